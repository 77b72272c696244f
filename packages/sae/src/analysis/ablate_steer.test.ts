// Ablation and steering on the tiny fake model, against CPU references: cross-entropy computed directly from the
// fake's logits, and steered generations equal to generating with the steering vector added on the CPU.
import { describe, expect, test } from "bun:test";
import { LimitError, getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { ablateFeatures, nextTokenLosses } from "./ablate.ts";
import { FakeModel, FakeSae } from "./fakes.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 21 });
const sae = new FakeSae(device, { seed: 22, d_sae: 16 });

function ceRef(logits: Float32Array, ids: number[], V: number): number[] {
  return ids.slice(1).map((next, p) => {
    const row = Array.from(logits.subarray(p * V, (p + 1) * V));
    const m = Math.max(...row);
    return Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m - row[next];
  });
}

describe("ablation", () => {
  test("zeroing features changes the loss as x - f_i W_dec[i] does on the CPU", async () => {
    const text = "the cat sat on the red mat";
    const ids = model.toIds(text);
    const x = model.residual([ids]);
    const f = sae.encodeHost(x);
    const { d_in, d_sae } = sae.cfg;
    const feats = [0, 3, 9];
    const xa = Float32Array.from(x);
    for (let p = 0; p < ids.length; p++) for (const i of feats) for (let d = 0; d < d_in; d++) xa[p * d_in + d] -= f[p * d_sae + i] * sae.W_dec_host[i * d_in + d];
    const V = model.vocabSize;
    const clean = ceRef(model.unembed(x), ids, V);
    const ablated = ceRef(model.unembed(xa), ids, V);
    const r = await ablateFeatures(model, sae, text, feats);
    assertClose("clean per token", r.perToken.clean, clean, 1e-5, 1e-5);
    assertClose("ablated per token", r.perToken.ablated, ablated, 1e-4, 1e-4);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(r.delta).toBeCloseTo(mean(ablated) - mean(clean), 4);
    expect(Math.abs(r.delta)).toBeGreaterThan(1e-3);
    const none = await ablateFeatures(model, sae, text, []);
    expect(none.delta).toBeCloseTo(0, 5);
    await expect(ablateFeatures(model, sae, text, [16])).rejects.toThrow(LimitError);
  });

  test("nextTokenLosses on a hand-computed case", () => {
    // logits rows [0, ln 3] -> p(1) = 3/4; [2, 2] -> p(0) = 1/2.
    const l = nextTokenLosses(new Float32Array([0, Math.log(3), 2, 2, 0, 0]), [5, 1, 0], 2);
    assertClose("ce", l, [-Math.log(3 / 4), Math.log(2)], 1e-6, 1e-6);
  });
});

describe("steering", () => {
  test("steered = generating with sum strength * W_dec[i] added on the CPU; unsteered = no hook; same seed", async () => {
    const { steerGenerate, steeringVector } = await import("./steer.ts");
    const feats = [{ index: 2, strength: 4 }, { index: 5, strength: -2.5 }];
    const { d_in, d_sae } = sae.cfg;
    const vec = steeringVector({ shape: [d_sae, d_in], dtype: "f32", data: sae.W_dec_host }, feats);
    const want = new Float32Array(d_in);
    for (const f of feats) for (let d = 0; d < d_in; d++) want[d] += f.strength * sae.W_dec_host[f.index * d_in + d];
    assertClose("steering vector", vec, want, 1e-6, 1e-6);
    for (const temperature of [0, 1.2]) {
      const opts = { maxNewTokens: 8, temperature, seed: 7 };
      const r = await steerGenerate(model, sae, "the dog ran to", feats, opts);
      expect(r.unsteered).toBe(await model.generate("the dog ran to", opts));
      model.offset = vec;
      const steeredRef = await model.generate("the dog ran to", opts);
      model.offset = null;
      expect(r.steered).toBe(steeredRef);
      expect(r.steered).not.toBe(r.unsteered);
    }
    await expect(steerGenerate(model, sae, "the", [{ index: 99, strength: 1 }], { maxNewTokens: 2, temperature: 0, seed: 0 })).rejects.toThrow(/features\[0\]\.index/);
    await expect(steerGenerate(model, sae, "the", [{ index: 1, strength: NaN }], { maxNewTokens: 2, temperature: 0, seed: 0 })).rejects.toThrow(/features\[0\]\.strength/);
  });
});
