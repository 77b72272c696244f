// TopK SAE (Gao et al. 2024, SAELens "topk"): pre = (x - b_dec) W_enc + b_enc, f keeps each row's k largest
// pre-activations (ReLU applied to them), zeros elsewhere; loss = MSE + aux-k (auxk.ts) over dead latents.
import { fill, matmul, saeActBackward, saeScatter, Tensor, topk } from "@sae/tensor-core";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "./contract.ts";
import { auxK } from "./auxk.ts";
import { center, colSum, decode, decoderBackward, disposeAll, encoderBackward, mse, total } from "./common.ts";

/** f [batch, d_sae]: the k largest of each row of pre, ReLU'd, scattered into zeros. */
export function topkActs(pre: Tensor, k: number): Tensor {
  const { values, indices } = topk(pre, k);
  const f = Tensor.empty(pre.device, pre.shape, "f32", "topk acts");
  fill(f, 0);
  saeScatter(values, indices, f, true);
  disposeAll([values, indices]);
  return f;
}

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

export const topkArch: Architecture = {
  name: "topk",
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const f = topkActs(pre, m.cfg.k as number);
    pre.dispose();
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const f = topkActs(pre, m.cfg.k as number);
    return masked(m, x, saeIn, pre, f, ctx);
  },
};

/** Shared by topk and batchtopk: decode, MSE, aux-k, and the masked backward (gradient only where f > 0). */
export function masked(m: SaeModel, x: Tensor, saeIn: Tensor, pre: Tensor, f: Tensor, ctx: TrainContext): TrainStep {
  const saeOut = decode(m, f);
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = auxK(m, pre, x, saeOut, ctx);
  const auxLoss = aux?.loss ?? Tensor.zeros(m.device, [1], "f32", "aux loss");
  const loss = total([mseLoss, auxLoss]);
  return {
    out: { loss, losses: { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss }, featureActs: f, hiddenPre: pre, saeOut },
    backward(): SaeParams {
      const grads: SaeParams = {};
      const gF = decoderBackward(m, f, gOut, grads);
      const ga = aux?.backward(grads) ?? null;
      const gMain = saeActBackward("mask", gF, f);
      const gPre = ga ? saeActBackward("maskAdd", ga.gA, ga.A, { c: gMain }) : gMain;
      grads.b_enc = colSum(gPre);
      encoderBackward(m, saeIn, gPre, grads.b_enc, grads);
      disposeAll([gF, ga?.gA, gMain, gPre]);
      return grads;
    },
    dispose: () => {
      aux?.dispose();
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, f, pre, saeOut]);
    },
  };
}
