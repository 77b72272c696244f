// Argument checks shared by steering, ablation and the server: each error names the offending entry.
import { LimitError } from "@sae/tensor-core";
import type { SteerFeature } from "./types.ts";

/** Throws a LimitError naming `features[j]` when an index is not an integer in [0, d_sae). */
export function checkFeatureIndices(d_sae: number, features: readonly number[]): void {
  features.forEach((index, j) => {
    if (!Number.isInteger(index) || index < 0 || index >= d_sae) throw new LimitError(`features[${j}]: index ${index} is out of range [0, ${d_sae})`);
  });
}

/** Throws a LimitError naming features[j].index / features[j].strength when a steering entry is not valid. */
export function checkSteerFeatures(d_sae: number, features: readonly SteerFeature[]): void {
  features.forEach((f, j) => {
    if (!Number.isInteger(f.index) || f.index < 0 || f.index >= d_sae) throw new LimitError(`features[${j}].index: ${f.index} is out of range [0, ${d_sae})`);
    if (typeof f.strength !== "number" || !Number.isFinite(f.strength)) throw new LimitError(`features[${j}].strength: ${String(f.strength)} is not a finite number`);
  });
}
