// Test helpers shared by the sparse-step tests (standard/sparse.test.ts, jumprelu/sparse.test.ts): run one
// training step and read every value back, and compare two such readings. Not exported from the package.
import { expect } from "bun:test";
import { type Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import type { Sae } from "../sae.ts";
import type { TrainContext } from "./contract.ts";

export type Readings = Record<string, Float32Array>;

async function readAll(ts: Record<string, Tensor>): Promise<Readings> {
  const out: Readings = {};
  for (const [n, t] of Object.entries(ts)) out[n] = (await t.read()) as Float32Array;
  return out;
}

/** One step: forward values, losses, gradients (all read back), and whether it went through active pairs. */
export async function stepReadings(sae: Sae, x: Tensor, ctx: TrainContext): Promise<{ sparse: boolean; fwd: Readings; grads: Readings }> {
  const out = await sae.trainForward(x, ctx);
  const sparse = out.active !== undefined;
  const fwd = await readAll({ loss: out.loss, ...out.losses, saeOut: out.saeOut, hiddenPre: out.hiddenPre, featureActs: out.featureActs });
  const grads = sae.backward();
  const g = await readAll(grads);
  for (const t of Object.values(grads)) t.dispose();
  return { sparse, fwd, grads: g };
}

/** The same names, and every value within rtol 1e-4, atol 1e-5 (two fp32 paths summing in different orders). */
export function sameReadings(what: string, a: Readings, b: Readings): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const n of Object.keys(a)) assertClose(`${what} ${n}`, a[n], b[n], 1e-4, 1e-5);
}
