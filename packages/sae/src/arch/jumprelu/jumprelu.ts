// JumpReLU SAE (Rajamanoharan et al. 2024b, SAELens 6.18 "jumprelu"): f = pre * H(pre - t), t = exp(log_threshold),
// loss = MSE + l0 term + optional pre_act_loss. "step" mode: l0 term = (l0 / batch) sum_b sum_i H(pre_bi - t_i),
// H with zero gradient to pre and the straight-through pseudo-derivative to t (rectangle kernel of width
// jumprelu_bandwidth: dH/dt = -(1/bw) rect((pre - t)/bw), and d(pre * H)/dt = -(t/bw) rect((pre - t)/bw)).
// "tanh" mode and pre_act_loss: jumprelu/terms.ts. In step mode without pre_act_loss, once f is sparse, the step
// after the encoder GEMM runs through the candidate pairs (jumprelu/sparse.ts), as the standard SAE's does.
import { fusedActCols, matmul, saeActivation, saeDot, type Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { center, decode, decoderBackward, decoderNorms, disposeAll, encoderBackward, mse, total } from "../common.ts";
import { jumpreluCpu } from "./cpu.ts";
import { preActTerm, tanhTerm } from "./terms.ts";
import { jumpPairs, sparseJumpStep } from "./sparse.ts";
import { jumpreluFileShapes, jumpreluFromFile, jumpreluShapes, jumpreluToFile } from "./checkpoint.ts";

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

export const jumprelu: Architecture = {
  name: "jumprelu",
  cpu: jumpreluCpu,
  topkFamily: false,
  coefficient: "l0",
  ghostGrads: false,
  saelensTrainingDefaults: {
    jumprelu_init_threshold: 0.01,
    jumprelu_bandwidth: 0.05,
    l0_coefficient: 1,
    l0_warm_up_steps: 0,
  },
  usesDeadMask: (cfg) => cfg.pre_act_loss_coefficient !== null,
  paramShapes: jumpreluShapes,
  initParams(cfg, host) {
    host.log_threshold.fill(Math.log(cfg.jumprelu_init_threshold));
  },
  fileShapes: jumpreluFileShapes,
  fromFile: jumpreluFromFile,
  exportInference: (cfg, host) => ({ cfg, host: jumpreluToFile(host) }),
  activate: (m, pre) => saeActivation("jumprelu", pre, { v1: m.params.log_threshold }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const f = saeActivation("jumprelu", pre, { v1: m.params.log_threshold });
    pre.dispose();
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const B = x.shape[0];
    const c0 = (ctx.l0Coefficient ?? m.cfg.l0_coefficient) / B;
    const tanhMode = m.cfg.jumprelu_sparsity_loss_mode === "tanh";
    const withPreAct = m.cfg.pre_act_loss_coefficient !== null;
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const pairs = tanhMode || withPreAct ? null : await jumpPairs(m, pre, ctx);
    if (pairs) return sparseJumpStep(m, x, saeIn, pre, pairs, c0);
    const f = saeActivation("jumprelu", pre, { v1: m.params.log_threshold });
    const saeOut = decode(m, f);
    const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
    const norms = tanhMode || withPreAct ? decoderNorms(m) : null;
    const th = tanhMode ? tanhTerm(m, f, norms as Tensor, c0) : null;
    const pa = withPreAct ? preActTerm(m, pre, norms as Tensor, ctx, B) : null;
    const l0 = th?.loss ?? saeDot(f, f, c0, "count");
    const losses: Record<string, Tensor> = { mse_loss: mseLoss, l0_loss: l0 };
    if (pa) losses.pre_act_loss = pa.loss;
    const loss = total(Object.values(losses));
    return {
      out: { loss, losses, featureActs: f, hiddenPre: pre, saeOut },
      backward(): SaeParams {
        const grads: SaeParams = {};
        let gF = decoderBackward(m, f, gOut, grads);
        if (th) {
          const next = th.backward(gF, grads);
          gF.dispose();
          gF = next;
        }
        // d loss / d pre (gF where pre > t) with its column sums (b_enc) and the threshold's summed pseudo-gradient
        const bandwidth = m.cfg.jumprelu_bandwidth;
        const r = fusedActCols("jumpGrad", gF, { b: pre, v: m.params.log_threshold, c0: th ? 0 : c0, bandwidth });
        grads.b_enc = r.colA;
        grads.log_threshold = r.colB as Tensor;
        const gPre = pa ? pa.backward(r.out, grads) : r.out;
        encoderBackward(m, saeIn, gPre, grads.b_enc, grads);
        disposeAll([gF, r.out, gPre]);
        return grads;
      },
      dispose: () => {
        th?.dispose();
        pa?.dispose();
        disposeAll([saeIn, gOut, loss, mseLoss, l0, f, pre, saeOut, norms]);
      },
    };
  },
};
