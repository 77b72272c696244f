// The device path of per-feature logit effects (matmul + topk) against the CPU reference featureLogitEffects,
// on sizes that are not multiples of any tile, with more features than one chunk.
import { describe, expect, test } from "bun:test";
import { Rng, getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { featureLogitEffects } from "./logits.ts";
import { featureLogitEffectsGpu } from "./logits_gpu.ts";

describe("featureLogitEffectsGpu", () => {
  test("matches the CPU reference (tokens and values)", async () => {
    const device = await getDevice();
    const rng = new Rng(9);
    const d_sae = 37;
    const d_in = 29;
    const V = 70001; // 64 MiB / (4 * V) = 239 rows per chunk: the 287 features below take two chunks
    const W_dec = { shape: [d_sae, d_in], dtype: "f32" as const, data: rng.normalArray(d_sae * d_in) };
    const W_U = { shape: [d_in, V], dtype: "f32" as const, data: rng.normalArray(d_in * V) };
    const feats = [...Array.from({ length: d_sae }, (_, i) => i), ...Array.from({ length: 250 }, (_, i) => (i * 13) % d_sae)];
    const names = (ids: readonly number[]) => ids.map((i) => `t${i}`);
    const got = await featureLogitEffectsGpu(device, W_dec, W_U, feats, 7, names);
    const want = featureLogitEffects(W_dec, W_U, feats.slice(0, d_sae), 7, names);
    expect(got.length).toBe(feats.length);
    for (let j = 0; j < feats.length; j++) {
      const w = want[feats[j]];
      expect(got[j].index).toBe(w.index);
      expect(got[j].promoted.map((t) => t.token)).toEqual(w.promoted.map((t) => t.token));
      expect(got[j].suppressed.map((t) => t.str)).toEqual(w.suppressed.map((t) => t.str));
      assertClose(`promoted ${j}`, got[j].promoted.map((t) => t.value), w.promoted.map((t) => t.value), 1e-4, 1e-4);
      assertClose(`suppressed ${j}`, got[j].suppressed.map((t) => t.value), w.suppressed.map((t) => t.value), 1e-4, 1e-4);
    }
  });
});
