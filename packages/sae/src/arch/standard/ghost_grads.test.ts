// Ghost grads (standard SAE) against PyTorch autograd (scripts/make_ghost_fixture.py: batch 37, d_in 29, d_sae 83,
// 26 dead latents): the ghost loss and its gradient alone, then added to the standard step's loss and gradients.
// fp32 on the GPU vs float64 in PyTorch. Tolerances: losses rtol 1e-5; gradients rtol 1e-3 + atol 5e-5 (measured max
// abs error 1.4e-5): the per-element weight 1 / ((gs - r)^2 + 1e-6) amplifies fp32 rounding where gs - r is small,
// so the fixture keeps |gs - r| >= 5e-3.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { getDevice, ShapeError, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { makeConfig } from "../../config.ts";
import { Sae } from "../../sae.ts";
import { FIXTURES } from "../../test_fixtures.ts";
import { ghostGrads } from "./ghost_grads.ts";
import type { SaeParams } from "../contract.ts";

const RTOL = 1e-3;
const ATOL = 5e-5;
const NAMES = ["W_enc", "b_enc", "W_dec", "b_dec"];

const device = await getDevice();
const st = loadSafetensorsFile(join(FIXTURES, "golden_ghost.safetensors"));
const get = (n: string): Float32Array => {
  const t = st.tensors.get(n);
  if (!t) throw new Error(`golden_ghost: no tensor ${n}`);
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
};
const meta = st.metadata;
const cfg = makeConfig({ architecture: "standard", d_in: Number(meta.d_in), d_sae: Number(meta.d_sae), l1_coefficient: Number(meta.l1_coefficient) });
const B = Number(meta.batch);
const dead = get("dead_mask");

function setup() {
  const sae = Sae.fromHost(device, cfg, Object.fromEntries(NAMES.map((n) => [n, get(n)])));
  const x = Tensor.from(device, [B, cfg.d_in], get("x"));
  return { sae, x };
}

describe("ghost grads vs PyTorch autograd", () => {
  test("ghost loss and its gradients alone", async () => {
    const { sae, x } = setup();
    const out = await sae.trainForward(x);
    assertClose("hidden_pre", await out.hiddenPre.read(), get("hidden_pre"), 2e-4, 2e-4);
    assertClose("sae_out", await out.saeOut.read(), get("sae_out"), 2e-4, 2e-4);
    const ghost = ghostGrads(sae, x, out.hiddenPre, out.saeOut, dead);
    expect(ghost).not.toBeNull();
    assertClose("ghost_grad_loss", await ghost!.loss.read(), get("ghost_grad_loss"), 1e-5, 1e-6);
    const grads: SaeParams = Object.fromEntries(NAMES.map((n) => [n, Tensor.zeros(device, sae.params[n].shape)]));
    ghost!.backward(grads);
    for (const n of NAMES) assertClose(`grad_ghost.${n}`, await grads[n].read(), get(`grad_ghost.${n}`), RTOL, ATOL);
    // live latents get nothing: their W_enc columns, b_enc entries and W_dec rows stay 0
    const gBenc = await grads.b_enc.read();
    const gWdec = await grads.W_dec.read();
    for (let j = 0; j < cfg.d_sae; j++) {
      if (dead[j]) continue;
      expect(gBenc[j]).toBe(0);
      for (let i = 0; i < cfg.d_in; i++) expect(gWdec[j * cfg.d_in + i]).toBe(0);
    }
    ghost!.dispose();
    for (const g of Object.values(grads)) g.dispose();
    sae.releaseStep();
    sae.dispose();
    x.dispose();
  });

  test("added to the standard step: total loss and every gradient", async () => {
    const { sae, x } = setup();
    const out = await sae.trainForward(x);
    const ghost = ghostGrads(sae, x, out.hiddenPre, out.saeOut, dead)!;
    const grads = sae.backward();
    ghost.backward(grads);
    const total = (await out.loss.read())[0] + (await ghost.loss.read())[0];
    assertClose("loss", [total], get("loss"), 1e-5, 1e-4);
    for (const n of NAMES) assertClose(`grad.${n}`, await grads[n].read(), get(`grad.${n}`), RTOL, ATOL);
    ghost.dispose();
    for (const g of Object.values(grads)) g.dispose();
    sae.releaseStep();
    sae.dispose();
    x.dispose();
  });

  test("no dead latent: null; bad mask length: ShapeError", async () => {
    const { sae, x } = setup();
    const out = await sae.trainForward(x);
    expect(ghostGrads(sae, x, out.hiddenPre, out.saeOut, new Float32Array(cfg.d_sae))).toBeNull();
    expect(() => ghostGrads(sae, x, out.hiddenPre, out.saeOut, new Float32Array(cfg.d_sae - 1))).toThrow(ShapeError);
    sae.releaseStep();
    sae.dispose();
    x.dispose();
  });
});
