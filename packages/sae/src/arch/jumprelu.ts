// JumpReLU SAE (Rajamanoharan et al. 2024b, SAELens "jumprelu"): f = pre * H(pre - t), t = exp(log_threshold),
// loss = MSE + l0 * mean_b sum_i H(pre_bi - t_i). H has zero gradient; t gets the straight-through
// pseudo-derivative with a rectangle kernel of width `jumprelu_bandwidth`: dH/dt = -(1/bw) rect((pre - t)/bw),
// and d(pre * H)/dt = -(t/bw) rect((pre - t)/bw). Once f is sparse, the step after the encoder GEMM runs through
// the candidate pairs (jumprelu_sparse.ts), as the standard SAE's does.
import { fusedActCols, matmul, saeActivation, saeDot, type Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "./contract.ts";
import { center, decode, decoderBackward, disposeAll, encoderBackward, mse, total } from "./common.ts";
import { jumpPairs, sparseJumpStep } from "./jumprelu_sparse.ts";

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

export const jumprelu: Architecture = {
  name: "jumprelu",
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in], log_threshold: [d_sae] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const f = saeActivation("jumprelu", pre, { v1: m.params.log_threshold });
    pre.dispose();
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const B = x.shape[0];
    const c0 = (ctx.l0Coefficient ?? m.cfg.l0_coefficient) / B;
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const pairs = await jumpPairs(m, pre, ctx);
    if (pairs) return sparseJumpStep(m, x, saeIn, pre, pairs, c0);
    const f = saeActivation("jumprelu", pre, { v1: m.params.log_threshold });
    const saeOut = decode(m, f);
    const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
    const l0 = saeDot(f, f, c0, "count");
    const loss = total([mseLoss, l0]);
    return {
      out: { loss, losses: { mse_loss: mseLoss, l0_loss: l0 }, featureActs: f, hiddenPre: pre, saeOut },
      backward(): SaeParams {
        const grads: SaeParams = {};
        const gF = decoderBackward(m, f, gOut, grads);
        // d loss / d pre (gF where pre > t) with its column sums (b_enc) and the threshold's summed pseudo-gradient
        const r = fusedActCols("jumpGrad", gF, { b: pre, v: m.params.log_threshold, c0, bandwidth: m.cfg.jumprelu_bandwidth });
        grads.b_enc = r.colA;
        grads.log_threshold = r.colB as Tensor;
        encoderBackward(m, saeIn, r.out, grads.b_enc, grads);
        disposeAll([gF, r.out]);
        return grads;
      },
      dispose: () => disposeAll([saeIn, gOut, loss, mseLoss, l0, f, pre, saeOut]),
    };
  },
};
