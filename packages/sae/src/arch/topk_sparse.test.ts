// The sparse TopK step (no dead latents: topk_sparse.ts) against the float64 CPU reference on the golden fixture's
// parameters and input, and against the dense masked() path it replaces: forward values, losses, every gradient,
// the lazily made dense f, and the active pairs the trainer counts firing from.
import { describe, expect, test } from "bun:test";
import { assertClose, getDevice, Tensor } from "@sae/tensor-core";
import { cpuTrainStep } from "../cpu/reference.ts";
import { Sae } from "../sae.ts";
import { loadGolden } from "../test_fixtures.ts";

const RTOL = 2e-4;
const ATOL = 2e-4;

describe("sparse TopK training step", () => {
  test("no dead latents: forward, losses and gradients match the CPU reference", async () => {
    const device = await getDevice();
    const g = loadGolden("topk");
    const sae = Sae.fromHost(device, g.cfg, Object.fromEntries(g.paramNames.map((n) => [n, g.get(n)])));
    const x = Tensor.from(device, [g.batch, g.cfg.d_in], g.get("x"));
    const ref = cpuTrainStep(g.cfg, Object.fromEntries(g.paramNames.map((n) => [n, g.f64(n)])), g.get("x"), g.batch, { deadMask: new Float32Array(g.cfg.d_sae) });
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
    expect(Object.keys(grads).sort()).toEqual([...g.paramNames].sort());
    for (const n of g.paramNames) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
    for (const t of Object.values(grads)) t.dispose();
    sae.dispose();
    x.dispose();
  });

  test("apply_b_dec_to_input off: b_dec gradient has no encoder term", async () => {
    const device = await getDevice();
    const g = loadGolden("topk");
    const cfg = { ...g.cfg, apply_b_dec_to_input: false };
    const sae = Sae.fromHost(device, cfg, Object.fromEntries(g.paramNames.map((n) => [n, g.get(n)])));
    const x = Tensor.from(device, [g.batch, cfg.d_in], g.get("x"));
    const ref = cpuTrainStep(cfg, Object.fromEntries(g.paramNames.map((n) => [n, g.f64(n)])), g.get("x"), g.batch);
    await sae.trainForward(x);
    const grads = sae.backward();
    for (const n of g.paramNames) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
    for (const t of Object.values(grads)) t.dispose();
    sae.dispose();
    x.dispose();
  });
});
