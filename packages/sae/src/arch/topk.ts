// TopK SAE (Gao et al. 2024, SAELens "topk"): pre = (x - b_dec) W_enc + b_enc, f keeps each row's k largest
// pre-activations (ReLU applied to them), zeros elsewhere; loss = MSE + aux-k (auxk.ts) over dead latents.
// The whole step after the encoder GEMM goes through the k active latents (topk_sparse.ts), and with dead latents
// the aux-k term through its k_aux pairs per row (auxk_sparse.ts) when k_aux is a small enough part of d_sae;
// otherwise the aux-k term is dense (masked() below, which BatchTopK, whose rows have no fixed k, also uses).
import { fill, matmul, saeActBackward, saeActivation, saeScatter, sparseDecode, sparseDecodeBackward, Tensor, topk } from "@sae/tensor-core";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainStep } from "./contract.ts";
import { auxK } from "./auxk.ts";
import { auxPairsPay } from "./auxk_sparse.ts";
import { center, colSum, decode, decoderBackward, disposeAll, encoderBackward, mse, total } from "./common.ts";
import { denseActs, sparseTopkStep } from "./topk_sparse.ts";

/** The k largest of each row of pre: ReLU'd values [batch, k], indices [batch, k] and dense f [batch, d_sae]. */
export function topkActs(pre: Tensor, k: number): { f: Tensor; values: Tensor; indices: Tensor } {
  const top = topk(pre, k);
  const values = saeActivation("relu", top.values);
  top.values.dispose();
  return { f: denseActs(values, top.indices, pre.shape[1]), values, indices: top.indices };
}

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

export const topkArch: Architecture = {
  name: "topk",
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const { f, values, indices } = topkActs(pre, m.cfg.k as number);
    disposeAll([pre, values, indices]);
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const top = topk(pre, m.cfg.k as number);
    const values = saeActivation("relu", top.values);
    top.values.dispose();
    if (auxPairsPay(m, ctx)) return sparseTopkStep(m, x, saeIn, pre, values, top.indices, ctx);
    const f = denseActs(values, top.indices, m.cfg.d_sae);
    return masked(m, x, saeIn, pre, f, ctx, { values, indices: top.indices });
  },
};

/**
 * Shared by topk and batchtopk: decode, MSE, aux-k, and the masked backward (gradient only where f > 0). With
 * `sparse` (per-row top-k), decode and the decoder backward touch only the k active rows of W_dec.
 */
export function masked(m: SaeModel, x: Tensor, saeIn: Tensor, pre: Tensor, f: Tensor, ctx: TrainContext, sparse?: { values: Tensor; indices: Tensor }): TrainStep {
  const saeOut = sparse ? sparseDecode(sparse.values, sparse.indices, m.params.W_dec, { bias: m.params.b_dec }) : decode(m, f);
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = auxK(m, pre, x, saeOut, ctx);
  const auxLoss = aux?.loss ?? fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const loss = total([mseLoss, auxLoss]);
  return {
    out: { loss, losses: { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss }, featureActs: f, hiddenPre: pre, saeOut, active: sparse },
    backward(): SaeParams {
      const grads: SaeParams = {};
      let gMain: Tensor;
      if (sparse) {
        const { gradValues, gradWdec } = sparseDecodeBackward(gOut, sparse.values, sparse.indices, m.params.W_dec);
        grads.W_dec = gradWdec;
        grads.b_dec = colSum(gOut);
        const gV = saeActBackward("mask", gradValues, sparse.values); // [batch, k]
        gMain = fill(Tensor.empty(m.device, f.shape, "f32", "g_pre"), 0);
        saeScatter(gV, sparse.indices, gMain, false);
        disposeAll([gradValues, gV]);
      } else {
        const gF = decoderBackward(m, f, gOut, grads);
        gMain = saeActBackward("mask", gF, f);
        gF.dispose();
      }
      const ga = aux?.backward(grads) ?? null;
      const gPre = ga ? saeActBackward("maskAdd", ga.gA, ga.A, { c: gMain }) : gMain;
      grads.b_enc = colSum(gPre);
      encoderBackward(m, saeIn, gPre, grads.b_enc, grads);
      disposeAll([ga?.gA, gMain, gPre]);
      return grads;
    },
    dispose: () => {
      aux?.dispose();
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, f, pre, saeOut, sparse?.values, sparse?.indices]);
    },
  };
}
