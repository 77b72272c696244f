// Gated SAE (Rajamanoharan et al. 2024a, SAELens "gated"): shared W_enc, gate = sae_in W_enc + b_gate,
// mag = sae_in (W_enc * exp(r_mag)) + b_mag, f = H(gate) * ReLU(mag). Loss = MSE
// + l1 * mean_b sum_i ReLU(gate)_bi ||W_dec[i]|| + aux, aux = mean_b ||ReLU(gate) W_dec + b_dec - x||^2, whose
// gradient reaches W_dec and b_dec as in SAELens 6.18 (gated_sae.py). No b_enc.
import { matmul, saeActBackward, saeActivation, saeAxpby, saeDot, type Tensor } from "@sae/tensor-core";
import { gatedCpu } from "./cpu.ts";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { addColSum, center, colSum, decode, decoderBackward, decoderNorms, disposeAll, encoderBackward, mse, normPenalty, total } from "../common.ts";

function acts(m: SaeModel, saeIn: Tensor): { h: Tensor; mag: Tensor; gate: Tensor; f: Tensor } {
  const p = m.params;
  const h = matmul(saeIn, p.W_enc); // [batch, d_sae]
  const mag = saeActivation("gatedMag", h, { v1: p.b_mag, v2: p.r_mag });
  const gate = saeActivation("reluBias", h, { v1: p.b_gate }); // relu(gate pre-activation)
  const f = saeActivation("gatedF", mag, { b: gate });
  return { h, mag, gate, f };
}

export const gated: Architecture = {
  name: "gated",
  cpu: gatedCpu,
  topkFamily: false,
  coefficient: "l1",
  ghostGrads: false,
  saelensTrainingDefaults: { l1_coefficient: 1, l1_warm_up_steps: 0 },
  usesDeadMask: () => false,
  // hook_sae_acts_pre is the magnitude path; the gate is recomputed from sae_in, so editing pre changes magnitudes
  // only (as in SAELens's GatedSAE.encode)
  hiddenPre(m, saeIn) {
    const h = matmul(saeIn, m.params.W_enc);
    const mag = saeActivation("gatedMag", h, { v1: m.params.b_mag, v2: m.params.r_mag });
    h.dispose();
    return mag;
  },
  activate(m, pre, saeIn) {
    const h = matmul(saeIn, m.params.W_enc);
    const gate = saeActivation("reluBias", h, { v1: m.params.b_gate });
    const f = saeActivation("gatedF", pre, { b: gate });
    disposeAll([h, gate]);
    return f;
  },
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], W_dec: [d_sae, d_in], b_dec: [d_in], b_gate: [d_sae], b_mag: [d_sae], r_mag: [d_sae] }),
  async encode(m, saeIn) {
    const { h, mag, gate, f } = acts(m, saeIn);
    disposeAll([h, mag, gate]);
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const B = x.shape[0];
    const c = (ctx.l1Coefficient ?? m.cfg.l1_coefficient) / B;
    const saeIn = center(m, x);
    const { h, mag, gate, f } = acts(m, saeIn);
    const saeOut = decode(m, f);
    const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
    const norms = decoderNorms(m);
    const gateSum = colSum(gate);
    const l1 = normPenalty(m, gateSum, norms, c);
    const via = decode(m, gate);
    const gVia = saeAxpby(via, x, null, 2 / B, -2 / B, 0);
    const aux = saeDot(gVia, gVia, B / 4);
    const loss = total([mseLoss, l1, aux]);
    return {
      out: { loss, losses: { mse_loss: mseLoss, l1_loss: l1, auxiliary_reconstruction_loss: aux }, featureActs: f, hiddenPre: mag, saeOut },
      backward(): SaeParams {
        const grads: SaeParams = {};
        const r = m.params.r_mag;
        const gF = decoderBackward(m, f, gOut, grads);
        const gViaF = matmul(gVia, m.params.W_dec, { transB: true }); // aux term: d / d relu(gate)
        matmul(gate, gVia, { transA: true, accumulate: true, out: grads.W_dec });
        addColSum(gVia, grads.b_dec);
        const gGateAct = saeAxpby(gViaF, null, norms, 1, 0, c); // + d l1 / d relu(gate)
        const gGate = saeActBackward("mask", gGateAct, gate);
        const gMag = saeActBackward("mask", gF, f);
        const gH = saeActBackward("gatedH", gGate, gMag, { v: r });
        const gR = saeActBackward("gatedR", gMag, h, { v: r });
        grads.b_gate = colSum(gGate);
        grads.b_mag = colSum(gMag);
        grads.r_mag = colSum(gR);
        const gHSum = colSum(gH);
        normPenalty(m, gateSum, norms, c, grads).dispose();
        encoderBackward(m, saeIn, gH, gHSum, grads);
        disposeAll([gF, gViaF, gGateAct, gGate, gMag, gH, gR, gHSum]);
        return grads;
      },
      dispose: () => disposeAll([saeIn, h, gate, gOut, norms, gateSum, via, gVia, loss, mseLoss, l1, aux, f, mag, saeOut]),
    };
  },
};
