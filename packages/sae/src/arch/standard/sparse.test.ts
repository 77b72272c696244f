// The standard SAE's sparse step (standard/sparse.ts): with K = d_sae it is exact for any activations, so it must
// match SAELens 6.18's outputs (fixtures/saelens) like the dense step; with K < d_sae on sparse activations it must equal the
// dense step; and a batch with a row of K or more active latents must fall back to the dense step.
import { describe, expect, test } from "bun:test";
import { getDevice, Rng, Tensor, type Device } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { makeConfig } from "../../config.ts";
import { Sae } from "../../sae.ts";
import { ATOL as GATOL, f32, RTOL as GRTOL, trainingCase } from "../../saelens_fixtures.ts";
import { sameReadings, stepReadings } from "../sparse_step_testing.ts";

const RTOL = 2e-4;
const ATOL = 2e-4;

/** d_in 32, d_sae 300, batch 64, random weights; b_enc = shift (very negative: few active latents per row). */
function model(device: Device, shift: number, applyBDec = true): { sae: Sae; x: Tensor } {
  const [d_in, d_sae, batch] = [32, 300, 64];
  const rng = new Rng(11);
  const cfg = makeConfig({ architecture: "standard", d_in, d_sae, apply_b_dec_to_input: applyBDec, l1_coefficient: 3 });
  const host = {
    W_enc: rng.normalArray(d_in * d_sae).map((v) => v * 0.3),
    W_dec: rng.normalArray(d_sae * d_in).map((v) => v * 0.2),
    b_enc: new Float32Array(d_sae).map(() => shift + 0.1 * rng.next()),
    b_dec: rng.normalArray(d_in).map((v) => v * 0.1),
  };
  const sae = Sae.fromHost(device, cfg, host);
  return { sae, x: Tensor.from(device, [batch, d_in], rng.normalArray(batch * d_in)) };
}

describe("standard SAE sparse step", () => {
  test("K = d_sae (exact for any activations) matches SAELens", async () => {
    const device = await getDevice();
    const g = trainingCase("standard");
    const sae = Sae.fromHost(device, g.cfg, g.params);
    const x = Tensor.from(device, [g.batch, g.cfg.d_in], g.x);
    const r = await stepReadings(sae, x, { sparseMaxActive: g.cfg.d_sae });
    expect(r.sparse).toBe(true);
    const o = g.c.output;
    assertClose("feature_acts", r.fwd.featureActs, f32(o.feature_acts), GRTOL, GATOL);
    assertClose("hidden_pre", r.fwd.hiddenPre, f32(o.hidden_pre), GRTOL, GATOL);
    assertClose("sae_out", r.fwd.saeOut, f32(o.sae_out), GRTOL, GATOL);
    for (const name of ["mse_loss", "l1_loss"]) assertClose(name, r.fwd[name], [o.losses[name]], GRTOL, GATOL);
    assertClose("loss", r.fwd.loss, [o.loss], GRTOL, GATOL);
    for (const [n, t] of Object.entries(g.c.grads)) assertClose(`grad.${n}`, r.grads[n], f32(t!), GRTOL, GATOL);
    sae.dispose();
    x.dispose();
  });

  for (const applyBDec of [true, false]) {
    test(`K < d_sae on sparse activations equals the dense step (apply_b_dec_to_input ${applyBDec})`, async () => {
      const device = await getDevice();
      const dense = model(device, -4, applyBDec);
      const want = await stepReadings(dense.sae, dense.x, { sparseMaxActive: 0 });
      expect(want.sparse).toBe(false);
      // the premise: some latents fire, and every row has fewer than K = 32
      let maxL0 = 0;
      let total = 0;
      for (let b = 0; b < 64; b++) {
        const l0 = want.fwd.featureActs.subarray(b * 300, (b + 1) * 300).filter((v) => v > 0).length;
        maxL0 = Math.max(maxL0, l0);
        total += l0;
      }
      expect(total).toBeGreaterThan(64);
      expect(maxL0).toBeLessThan(32);
      const sparse = model(device, -4, applyBDec);
      const got = await stepReadings(sparse.sae, sparse.x, { sparseMaxActive: 32 });
      expect(got.sparse).toBe(true);
      sameReadings("forward", got.fwd, want.fwd);
      sameReadings("grad", got.grads, want.grads);
      for (const m of [dense, sparse]) (m.sae.dispose(), m.x.dispose());
    });
  }

  test("a row with K or more active latents falls back to the dense step, and the next steps stay dense", async () => {
    const device = await getDevice();
    const dense = model(device, 0);
    const want = await stepReadings(dense.sae, dense.x, { sparseMaxActive: 0 });
    const m = model(device, 0);
    const got = await stepReadings(m.sae, m.x, { sparseMaxActive: 32 }); // ~150 of 300 active per row
    expect(got.sparse).toBe(false);
    sameReadings("forward", got.fwd, want.fwd);
    sameReadings("grad", got.grads, want.grads);
    expect((await stepReadings(m.sae, m.x, { sparseMaxActive: 300 })).sparse).toBe(false); // inside the dense run
    for (const s of [dense, m]) (s.sae.dispose(), s.x.dispose());
  });
});
