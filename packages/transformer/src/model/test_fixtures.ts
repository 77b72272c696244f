// Test helpers for the model tests: fixture paths, the golden file, host math for expected values. Tests only.
import { fileURLToPath } from "node:url";
import { type HostTensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import type { TokenBatch } from "./tokens.ts";

export const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** The Hugging Face fixture folder of a family (scripts/hf_fixtures.py). */
export const hfFixture = (family: string) => fixture(`hf/${family}`);

export interface Golden {
  batch: TokenBatch;
  get(name: string): Float32Array;
  shape(name: string): number[];
}

export function loadGolden(): Golden {
  const { tensors } = loadSafetensorsFile(fixture("gpt2-tiny-golden.safetensors"));
  const tok = tensors.get("tokens")!;
  const [batch, pos] = tok.shape;
  const ids = Int32Array.from(tok.data);
  const mask = Int32Array.from(tensors.get("attention_mask")!.data);
  return {
    batch: { ids, mask, batch, pos },
    get: (name) => tensors.get(name)!.data as Float32Array,
    shape: (name) => [...tensors.get(name)!.shape],
  };
}

/** Subtracts from each row (last dim of length n) its mean. */
export function centered(x: ArrayLike<number>, n: number): Float64Array {
  const out = Float64Array.from(x);
  for (let r = 0; r < out.length / n; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += out[r * n + j];
    for (let j = 0; j < n; j++) out[r * n + j] -= s / n;
  }
  return out;
}

/** log_softmax over rows of length n. */
export function logSoftmax(x: ArrayLike<number>, n: number): Float64Array {
  const out = Float64Array.from(x);
  for (let r = 0; r < out.length / n; r++) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, out[r * n + j]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(out[r * n + j] - m);
    for (let j = 0; j < n; j++) out[r * n + j] -= m + Math.log(s);
  }
  return out;
}

/** Rows [b, p] of a [batch, pos, n] array (for comparing only the unpadded positions). */
export function rows(x: ArrayLike<number>, pos: number, n: number, b: number, from: number, to: number): number[] {
  return Array.from(x).slice((b * pos + from) * n, (b * pos + to) * n);
}

/** CPU LayerNorm over the last dim then x @ U^T (the final LN + tied unembedding), float64. */
export function lnUnembed(x: HostTensor, lnW: ArrayLike<number>, lnB: ArrayLike<number>, U: ArrayLike<number>, vocab: number, eps: number): Float64Array {
  const d = x.shape[x.shape.length - 1];
  const n = x.data.length / d;
  const out = new Float64Array(n * vocab);
  const h = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    let mu = 0;
    for (let i = 0; i < d; i++) mu += x.data[r * d + i] / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x.data[r * d + i] - mu) ** 2 / d;
    for (let i = 0; i < d; i++) h[i] = ((x.data[r * d + i] - mu) / Math.sqrt(v + eps)) * lnW[i] + lnB[i];
    for (let t = 0; t < vocab; t++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += h[i] * U[t * d + i];
      out[r * vocab + t] = s;
    }
  }
  return out;
}
