// The TopK training step through the k active latents of each row: after the dense encoder GEMM and the top-k
// select, decode, its backward, and both weight gradients touch only the selected (batch, k) pairs, summed per
// latent over sorted lists (latentLists: deterministic). Dense f [batch, d_sae] is made only if someone reads
// out.featureActs (the trainer derives firing counts from out.active instead). When latents are dead the aux-k loss
// needs dense gradients over pre; that step falls back to the dense masked() path (topk.ts).
import { fill, latentLists, matmul, saeActBackward, saeScatter, sparseDecode, sparseDecodeBackward, sparseEncoderGrad, Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainOutput, TrainStep } from "./contract.ts";
import { colSum, disposeAll, mse, total } from "./common.ts";

/** Dense f [batch, d_sae] from the top-k pairs (zeros elsewhere). */
export function denseActs(values: Tensor, indices: Tensor, dSae: number): Tensor {
  const f = Tensor.empty(values.device, [values.shape[0], dSae], "f32", "topk acts");
  fill(f, 0);
  saeScatter(values, indices, f, false);
  return f;
}

/**
 * values [batch, k] (ReLU'd top-k of pre), indices [batch, k] i32; pre [batch, d_sae] is kept as hiddenPre.
 * Assumes no dead latents (no aux-k term).
 */
export function sparseTopkStep(m: SaeModel, x: Tensor, saeIn: Tensor, pre: Tensor, values: Tensor, indices: Tensor): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const saeOut = sparseDecode(values, indices, m.params.W_dec, { bias: m.params.b_dec }); // [batch, d_in]
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const auxLoss = fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const loss = total([mseLoss, auxLoss]);
  let f: Tensor | null = null;
  const out: TrainOutput = {
    loss,
    losses: { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss },
    get featureActs(): Tensor {
      f ??= denseActs(values, indices, d_sae);
      return f;
    },
    hiddenPre: pre,
    saeOut,
    active: { values, indices },
  };
  return {
    out,
    backward(): SaeParams {
      const lists = latentLists(indices, d_sae);
      const gradWdec = fill(Tensor.empty(m.device, [d_sae, d_in], "f32", "grad W_dec"), 0);
      const { gradValues } = sparseDecodeBackward(gOut, values, indices, m.params.W_dec, { gradWdec, lists });
      const gV = saeActBackward("mask", gradValues, values); // [batch, k]: zero where ReLU cut the value
      const { gradWenc, gradBenc } = sparseEncoderGrad(saeIn, gV, indices, d_sae, { lists });
      const grads: SaeParams = { W_enc: gradWenc, b_enc: gradBenc, W_dec: gradWdec, b_dec: colSum(gOut) };
      if (m.cfg.apply_b_dec_to_input) {
        matmul(m.params.W_enc, gradBenc.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
      }
      lists.dispose();
      disposeAll([gradValues, gV]);
      return grads;
    },
    dispose: () => disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, f, pre, saeOut, values, indices]),
  };
}
