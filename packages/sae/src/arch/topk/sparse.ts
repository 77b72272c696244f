// The TopK training step through the k active latents of each row: after the dense encoder GEMM and the top-k
// select, decode, its backward, and both weight gradients touch only the selected (batch, k) pairs, summed per
// latent over sorted lists (latentLists: deterministic). Dense f [batch, d_sae] is made only if someone reads
// out.featureActs (the trainer derives firing counts from out.active instead). When latents are dead the aux-k term
// goes through its own pairs too (family/auxk_sparse.ts): its encoder gradient is added round by round. With the
// top-k taken in row blocks (topk/blocks.ts) there is no dense pre at all: hidden_pre is made only if read.
import { fill, latentLists, matmul, saeAxpby, saeScatter, sparseDecode, sparseDecodeBackward, sparseEncoderGrad, Tensor, type LatentLists } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { denseActs, pairDecoderBackward, pairOutput, type LazyPre } from "../pairs.ts";
import { auxKSparse } from "../family/auxk_sparse.ts";
import { colSum, disposeAll, mse, total } from "../common.ts";

/**
 * Scores: pre [batch, d_sae], hp (pre * ||W_dec[i]|| when rescaling, with norms; else pre). Top-k: shown [batch, k]
 * (ReLU'd top-k of hp, what SAELens reports), values [batch, k] (shown / norms: what is decoded), indices [batch, k]
 * i32. ctx.deadMask drives the aux-k term.
 */
export function sparseTopkStep(
  m: SaeModel,
  x: Tensor,
  saeIn: Tensor,
  s: { pre: Tensor | null; hp: Tensor | LazyPre; norms: Tensor | null },
  top: { shown: Tensor; values: Tensor; indices: Tensor },
  ctx: TrainContext = {},
): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const { values, indices, shown } = top;
  const saeOut = sparseDecode(values, indices, m.params.W_dec, { bias: m.params.b_dec }); // [batch, d_in]
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = s.hp instanceof Tensor ? auxKSparse(m, s.hp, x, saeOut, ctx, s.norms) : null; // lazy: none is dead
  const auxLoss = aux?.loss ?? fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const loss = total([mseLoss, auxLoss]);
  const { out, dense, made } = pairOutput(s.hp, saeOut, shown, indices, loss, { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss });
  return {
    out,
    backward(): SaeParams {
      // gV [batch, k]: d loss / d values, zero where ReLU cut the value
      const { lists, gradWdec, gradValues: gV } = pairDecoderBackward(m, gOut, values, indices, true);
      let { gradWenc, gradBenc } = sparseEncoderGrad(saeIn, gV, indices, d_sae, { lists });
      const grads: SaeParams = { W_dec: gradWdec, b_dec: colSum(gOut) };
      // aux-k: its W_dec and b_dec gradients accumulate into grads; its pre gradient adds each round's encoder gradient
      const auxGrads = aux?.backward(grads) ?? [];
      aux?.rounds.forEach((r, i) => {
        const part = sparseEncoderGrad(saeIn, auxGrads[i], r.indices, d_sae);
        const [w, b] = [saeAxpby(gradWenc, part.gradWenc, null, 1, 1, 0), saeAxpby(gradBenc, part.gradBenc, null, 1, 1, 0)];
        disposeAll([gradWenc, gradBenc, part.gradWenc, part.gradBenc, auxGrads[i]]);
        [gradWenc, gradBenc] = [w, b];
      });
      Object.assign(grads, { W_enc: gradWenc, b_enc: gradBenc });
      if (m.cfg.apply_b_dec_to_input) {
        matmul(m.params.W_enc, gradBenc.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
      }
      lists.dispose();
      gV.dispose();
      return grads;
    },
    dispose: () => {
      aux?.dispose();
      const hp = s.hp instanceof Tensor ? s.hp : made();
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, dense(), s.pre, hp, s.norms, saeOut, shown, values, indices]);
    },
  };
}
