// The JumpReLU SAE's sparse step (jumprelu/sparse.ts): with K = d_sae it is exact for any activations, so it must
// match SAELens 6.18's outputs (fixtures/saelens) like the dense step; with K < d_sae on sparse activations (and a bandwidth wide
// enough that inactive pairs inside the window feed the threshold gradient) it must equal the dense step; and a
// batch with a row of K or more candidates must fall back to the dense step.
import { describe, expect, test } from "bun:test";
import { getDevice, Rng, Tensor, type Device } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { makeConfig } from "../../config.ts";
import { Sae } from "../../sae.ts";
import { ATOL as GATOL, f32, RTOL as GRTOL, trainingCase } from "../../saelens_fixtures.ts";
import { sameReadings, stepReadings } from "../sparse_step_testing.ts";

const RTOL = 2e-4;
const ATOL = 2e-4;

/** d_in 32, d_sae 300, batch 64; threshold t (about 1% of pre-activations above it), bandwidth 0.5. */
function model(device: Device, t: number): { sae: Sae; x: Tensor } {
  const [d_in, d_sae, batch] = [32, 300, 64];
  const rng = new Rng(17);
  const cfg = makeConfig({ architecture: "jumprelu", d_in, d_sae, jumprelu_bandwidth: 0.5, l0_coefficient: 2 });
  const host = {
    W_enc: rng.normalArray(d_in * d_sae).map((v) => v * 0.3),
    W_dec: rng.normalArray(d_sae * d_in).map((v) => v * 0.2),
    b_enc: rng.normalArray(d_sae).map((v) => v * 0.1),
    b_dec: rng.normalArray(d_in).map((v) => v * 0.1),
    log_threshold: new Float32Array(d_sae).map(() => Math.log(t * (0.9 + 0.2 * rng.next()))),
  };
  return { sae: Sae.fromHost(device, cfg, host), x: Tensor.from(device, [batch, d_in], rng.normalArray(batch * d_in)) };
}

describe("JumpReLU SAE sparse step", () => {
  test("K = d_sae (exact for any activations) matches SAELens", async () => {
    const device = await getDevice();
    const g = trainingCase("jumprelu_l0_3_bw_0.1");
    const sae = Sae.fromHost(device, g.cfg, g.params);
    const x = Tensor.from(device, [g.batch, g.cfg.d_in], g.x);
    const r = await stepReadings(sae, x, { sparseMaxActive: g.cfg.d_sae, l0Coefficient: g.c.input.coefficients.l0 });
    expect(r.sparse).toBe(true);
    const o = g.c.output;
    assertClose("feature_acts", r.fwd.featureActs, f32(o.feature_acts), GRTOL, GATOL);
    assertClose("sae_out", r.fwd.saeOut, f32(o.sae_out), GRTOL, GATOL);
    for (const name of ["mse_loss", "l0_loss"]) assertClose(name, r.fwd[name], [o.losses[name]], GRTOL, GATOL);
    assertClose("loss", r.fwd.loss, [o.loss], GRTOL, GATOL);
    for (const [n, t] of Object.entries(g.c.grads)) assertClose(`grad.${n}`, r.grads[n], f32(t!), GRTOL, GATOL);
    sae.dispose();
    x.dispose();
  });

  test("K < d_sae on sparse activations equals the dense step, threshold gradient included", async () => {
    const device = await getDevice();
    const dense = model(device, 4);
    const want = await stepReadings(dense.sae, dense.x, { sparseMaxActive: 0 });
    expect(want.sparse).toBe(false);
    const active = want.fwd.featureActs.filter((v) => v > 0).length;
    expect(active).toBeGreaterThan(64); // some latents fire...
    expect([...want.grads.log_threshold].filter((v) => v !== 0).length).toBeGreaterThan(10); // ...and some sit in the window
    const sparse = model(device, 4);
    const got = await stepReadings(sparse.sae, sparse.x, { sparseMaxActive: 32 });
    expect(got.sparse).toBe(true);
    sameReadings("forward", got.fwd, want.fwd);
    sameReadings("grad", got.grads, want.grads);
    for (const m of [dense, sparse]) (m.sae.dispose(), m.x.dispose());
  });

  test("a row with K or more candidates falls back to the dense step", async () => {
    const device = await getDevice();
    const dense = model(device, 0.05);
    const want = await stepReadings(dense.sae, dense.x, { sparseMaxActive: 0 });
    const m = model(device, 0.05);
    const got = await stepReadings(m.sae, m.x, { sparseMaxActive: 32 }); // ~half of 300 above the threshold
    expect(got.sparse).toBe(false);
    sameReadings("forward", got.fwd, want.fwd);
    sameReadings("grad", got.grads, want.grads);
    for (const s of [dense, m]) (s.sae.dispose(), s.x.dispose());
  });
});
