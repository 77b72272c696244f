// The device path of per-feature logit effects (matmul + topk) against the CPU reference featureLogitEffects,
// on sizes that are not multiples of any tile, with more features than one chunk; and on a device whose bindings
// are capped at 256 KiB (W_U [29, 5003] is 580 KB: over one binding; chunks of 13 features' logit rows).
import { describe, expect, test } from "bun:test";
import { Device, Rng, getDevice } from "@sae/tensor-core";
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

  test("bindings capped at 256 KiB: W_U over one binding, the same tokens and values", async () => {
    const device = await Device.create({ maxBindingBytes: 256 * 1024 });
    const rng = new Rng(10);
    const [d_sae, d_in, V] = [40, 29, 5003];
    const W_dec = { shape: [d_sae, d_in], dtype: "f32" as const, data: rng.normalArray(d_sae * d_in) };
    const W_U = { shape: [d_in, V], dtype: "f32" as const, data: rng.normalArray(d_in * V) };
    expect(d_in * V * 4).toBeGreaterThan(device.maxBinding);
    const feats = Array.from({ length: d_sae }, (_, i) => (i * 7) % d_sae);
    const names = (ids: readonly number[]) => ids.map((i) => `t${i}`);
    const got = await featureLogitEffectsGpu(device, W_dec, W_U, feats, 5, names);
    const want = featureLogitEffects(W_dec, W_U, feats, 5, names);
    for (let j = 0; j < feats.length; j++) {
      expect(got[j].promoted.map((t) => t.token)).toEqual(want[j].promoted.map((t) => t.token));
      expect(got[j].suppressed.map((t) => t.token)).toEqual(want[j].suppressed.map((t) => t.token));
      assertClose(`capped ${j}`, got[j].promoted.map((t) => t.value), want[j].promoted.map((t) => t.value), 1e-4, 1e-4);
    }
  });
});
