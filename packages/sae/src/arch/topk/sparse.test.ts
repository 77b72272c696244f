// The sparse TopK step (no dead latents: topk/sparse.ts) against SAELens 6.18's outputs and the float64 CPU
// reference on a SAELens case's parameters and input: forward values, losses, every gradient, the lazily made dense
// f, and the active pairs the trainer counts firing from; with dead latents, the sparse aux-k term (family/auxk_sparse.ts)
// against the dense one (familyStep in family/family.ts) over two topk rounds.
import { describe, expect, test } from "bun:test";
import { getDevice, matmul, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { makeConfig } from "../../config.ts";
import { center } from "../common.ts";
import { topkActs } from "./topk.ts";
import { unscaleAt } from "../family/auxk.ts";
import { familyStep, scores, unscaled } from "../family/family.ts";
import { sparseTopkStep } from "./sparse.ts";
import { cpuTrainStep } from "../../cpu/reference.ts";
import { Sae } from "../../sae.ts";
import { trainingCase } from "../../saelens_fixtures.ts";

const RTOL = 2e-4;
const ATOL = 2e-4;

describe("sparse TopK training step", () => {
  test("no dead latents: forward, losses and gradients match the CPU reference", async () => {
    const device = await getDevice();
    const g = trainingCase("topk_no_dead");
    const paramNames = Object.keys(g.params);
    const sae = Sae.fromHost(device, g.cfg, g.params);
    const x = Tensor.from(device, [g.batch, g.cfg.d_in], g.x);
    const ref = cpuTrainStep(g.cfg, Object.fromEntries(paramNames.map((n) => [n, Float64Array.from(g.params[n])])), g.x, g.batch, { deadMask: new Float32Array(g.cfg.d_sae) });
    const out = await sae.trainForward(x, { deadMask: new Float32Array(g.cfg.d_sae) });
    expect(out.active).toBeDefined();
    assertClose("hidden_pre", await out.hiddenPre.read(), ref.hiddenPre, RTOL, ATOL);
    assertClose("sae_out", await out.saeOut.read(), ref.saeOut, RTOL, ATOL);
    assertClose("mse_loss", await out.losses.mse_loss.read(), [ref.losses.mse_loss], 1e-5, 1e-4);
    assertClose("aux loss", await out.losses.auxiliary_reconstruction_loss.read(), [0], 0, 0);
    assertClose("loss", await out.loss.read(), [ref.loss], 1e-5, 1e-4);
    assertClose("feature_acts (made on demand)", await out.featureActs.read(), ref.featureActs, RTOL, ATOL);
    // the active pairs hold exactly the nonzeros of f
    const values = await out.active!.values.read();
    const indices = await out.active!.indices.read();
    const k = g.cfg.k as number;
    for (let q = 0; q < values.length; q++) {
      const b = Math.floor(q / k);
      expect(Math.abs(values[q] - ref.featureActs[b * g.cfg.d_sae + indices[q]])).toBeLessThan(ATOL + RTOL * Math.abs(values[q]));
    }
    const grads = sae.backward();
    expect(Object.keys(grads).sort()).toEqual([...paramNames].sort());
    for (const n of paramNames) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
    for (const t of Object.values(grads)) t.dispose();
    sae.dispose();
    x.dispose();
  });

  test("apply_b_dec_to_input off: b_dec gradient has no encoder term", async () => {
    const device = await getDevice();
    const g = trainingCase("topk_no_rescale");
    const paramNames = Object.keys(g.params);
    const cfg = { ...g.cfg, apply_b_dec_to_input: false };
    const sae = Sae.fromHost(device, cfg, g.params);
    const x = Tensor.from(device, [g.batch, cfg.d_in], g.x);
    const ref = cpuTrainStep(cfg, Object.fromEntries(paramNames.map((n) => [n, Float64Array.from(g.params[n])])), g.x, g.batch);
    await sae.trainForward(x);
    const grads = sae.backward();
    for (const n of paramNames) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
    for (const t of Object.values(grads)) t.dispose();
    sae.dispose();
    x.dispose();
  });
});

describe("sparse aux-k (dead latents)", () => {
  for (const rescale of [false, true]) {
    test(`k_aux over 256 (two topk rounds), rescale_acts_by_decoder_norm ${rescale}: the sparse step and the dense familyStep path match the CPU reference`, async () => {
      const device = await getDevice();
      const [d_in, d_sae, batch, k] = [16, 700, 24, 8];
      const rng = new Rng(21);
      const cfg = makeConfig({ architecture: "topk", d_in, d_sae, k, k_aux: 300, aux_loss_coefficient: 0.5, rescale_acts_by_decoder_norm: rescale });
      const host = { W_enc: rng.normalArray(d_in * d_sae), W_dec: rng.normalArray(d_sae * d_in).map((v) => v * 0.3), b_enc: rng.normalArray(d_sae).map((v) => v * 0.1), b_dec: rng.normalArray(d_in).map((v) => v * 0.1) };
      const deadMask = Float32Array.from({ length: d_sae }, (_, i) => (i % 7 === 0 ? 0 : 1)); // 600 dead
      const xHost = rng.normalArray(batch * d_in);
      const run = async (dense: boolean) => {
        const sae = Sae.fromHost(device, cfg, host);
        const x = Tensor.from(device, [batch, d_in], xHost);
        // called directly: trainForward takes the pairs only when k_aux is at most d_sae / 32 (auxPairsPay)
        const saeIn = center(sae, x);
        const pre = matmul(saeIn, sae.params.W_enc, { bias: sae.params.b_enc });
        const { hp, norms } = scores(sae, pre);
        const { f, values: shown, indices } = topkActs(hp, k);
        const values = norms ? unscaleAt(shown, indices, norms) : shown;
        const ctx = { deadMask };
        const step = dense
          ? familyStep(sae, x, saeIn, { pre, hp, norms, f, f0: unscaled(f, norms) }, ctx, { sparse: { values, indices } })
          : sparseTopkStep(sae, x, saeIn, { pre, hp, norms }, { shown, values, indices }, ctx);
        const out = step.out;
        const grads = step.backward();
        const r: Record<string, Float32Array> = {};
        for (const [n, t] of Object.entries({ loss: out.loss, ...out.losses, saeOut: out.saeOut })) r[n] = (await t.read()) as Float32Array;
        for (const [n, t] of Object.entries(grads)) r[`grad.${n}`] = (await t.read()) as Float32Array;
        return r;
      };
      const ref = cpuTrainStep(cfg, Object.fromEntries(Object.entries(host).map(([n, v]) => [n, Float64Array.from(v)])), xHost, batch, { deadMask });
      const want: Record<string, ArrayLike<number>> = { loss: [ref.loss], saeOut: ref.saeOut, ...Object.fromEntries(Object.entries(ref.losses).map(([n, v]) => [n, [v]])), ...Object.fromEntries(Object.entries(ref.grads).map(([n, v]) => [`grad.${n}`, v])) };
      expect(ref.losses.auxiliary_reconstruction_loss).toBeGreaterThan(0);
      for (const dense of [true, false]) {
        const got = await run(dense);
        expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
        for (const n of Object.keys(want)) assertClose(`${dense ? "dense" : "sparse"} ${n}`, got[n], want[n], RTOL, ATOL);
      }
    });
  }
});
