// Standard ReLU SAE (SAELens 6.18 "standard"): f = ReLU((x - b_dec) W_enc + b_enc), x_hat = f W_dec + b_dec,
// loss = MSE + l1 * mean_b ||f_b * ||W_dec|| ||_p with p = lp_norm (1: the decoder-norm-weighted L1; 2 supported
// too, through standard/lp.ts). With p = 1, once f is sparse enough the step after the encoder GEMM runs through the
// active latents (standard/sparse.ts). With ctx.target (a plain transcoder, SAELens's Transcoder trained with the
// standard objective: this project's extension), the MSE is taken against the target and the step is dense.
import { fusedActCols, matmul, saeActivation, type Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { center, decode, decoderBackward, decoderNorms, disposeAll, encoderBackward, mse, normPenalty, total } from "../common.ts";
import { standardCpu } from "./cpu.ts";
import { lpPenalty } from "./lp.ts";
import { activePairs, sparseStandardStep } from "./sparse.ts";

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

export const standard: Architecture = {
  name: "standard",
  topkFamily: false,
  coefficient: "l1",
  ghostGrads: true,
  readsTarget: true,
  cpu: standardCpu,
  saelensTrainingDefaults: { l1_coefficient: 1, lp_norm: 1, l1_warm_up_steps: 0 },
  usesDeadMask: () => false,
  activate: (_m, pre) => saeActivation("relu", pre),
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const f = saeActivation("relu", pre);
    pre.dispose();
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const B = x.shape[0];
    const c = (ctx.l1Coefficient ?? m.cfg.l1_coefficient) / B;
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const lp = m.cfg.lp_norm !== 1;
    const active = lp || ctx.target ? null : await activePairs(m, pre, ctx);
    if (active) return sparseStandardStep(m, x, saeIn, pre, active.values, active.indices, c);
    const { out: f, colA: fSum } = fusedActCols("reluSum", pre); // f = ReLU(pre) [batch, d_sae], fSum [d_sae]
    const saeOut = decode(m, f);
    const { loss: mseLoss, grad: gOut } = mse(m, saeOut, ctx.target ?? x);
    const norms = decoderNorms(m);
    const pen = lp ? lpPenalty(m, f, norms, c) : null;
    const l1 = pen?.loss ?? normPenalty(m, fSum, norms, c);
    const loss = total([mseLoss, l1]);
    return {
      out: { loss, losses: { mse_loss: mseLoss, l1_loss: l1 }, featureActs: f, hiddenPre: pre, saeOut },
      backward(): SaeParams {
        const grads: SaeParams = {};
        let gF = decoderBackward(m, f, gOut, grads);
        if (pen) {
          const next = pen.backward(gF, grads); // adds d l1 / d f, and the W_dec gradient through the norms
          gF.dispose();
          gF = next;
        }
        // d loss / d pre = (gF + c ||W_dec[i]||) where f > 0 (p = 1), and its column sums (the b_enc gradient)
        const { out: gPre, colA: gBenc } = fusedActCols("reluGrad", gF, { b: f, v: norms, c0: pen ? 0 : c });
        grads.b_enc = gBenc;
        if (!pen) normPenalty(m, fSum, norms, c, grads).dispose();
        encoderBackward(m, saeIn, gPre, grads.b_enc, grads);
        disposeAll([gF, gPre]);
        return grads;
      },
      dispose: () => {
        pen?.dispose();
        disposeAll([saeIn, gOut, norms, fSum, loss, mseLoss, l1, f, pre, saeOut]);
      },
    };
  },
};
