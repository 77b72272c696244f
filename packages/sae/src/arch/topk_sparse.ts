// The TopK training step through the k active latents of each row: after the dense encoder GEMM and the top-k
// select, decode, its backward, and both weight gradients touch only the selected (batch, k) pairs, summed per
// latent over sorted lists (latentLists: deterministic). Dense f [batch, d_sae] is made only if someone reads
// out.featureActs (the trainer derives firing counts from out.active instead). When latents are dead the aux-k term
// goes through its own pairs too (auxk_sparse.ts): its encoder gradient is added round by round.
import { fill, latentLists, matmul, saeActBackward, saeAxpby, saeScatter, sparseDecode, sparseDecodeBackward, sparseEncoderGrad, Tensor, type LatentLists } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainOutput, TrainStep } from "./contract.ts";
import { auxKSparse } from "./auxk_sparse.ts";
import { colSum, disposeAll, mse, total } from "./common.ts";

/** Dense f [batch, d_sae] from the top-k pairs (zeros elsewhere). */
export function denseActs(values: Tensor, indices: Tensor, dSae: number): Tensor {
  const f = Tensor.empty(values.device, [values.shape[0], dSae], "f32", "topk acts");
  fill(f, 0);
  saeScatter(values, indices, f, false);
  return f;
}

/** A pair step's TrainOutput: f [batch, d_sae] is made only when read; `dense()` gives it (null if never read). */
export function pairOutput(pre: Tensor, saeOut: Tensor, values: Tensor, indices: Tensor, loss: Tensor, losses: Record<string, Tensor>): { out: TrainOutput; dense: () => Tensor | null } {
  let f: Tensor | null = null;
  const out: TrainOutput = {
    loss,
    losses,
    get featureActs(): Tensor {
      f ??= denseActs(values, indices, pre.shape[1]);
      return f;
    },
    hiddenPre: pre,
    saeOut,
    active: { values, indices },
  };
  return { out, dense: () => f };
}

/** The start of a pair step's backward: latent lists, the W_dec gradient (active rows), d loss / d values. */
export function pairDecoderBackward(m: SaeModel, gOut: Tensor, values: Tensor, indices: Tensor): { lists: LatentLists; gradWdec: Tensor; gradValues: Tensor } {
  const { d_in, d_sae } = m.cfg;
  const lists = latentLists(indices, d_sae);
  const gradWdec = fill(Tensor.empty(m.device, [d_sae, d_in], "f32", "grad W_dec"), 0);
  const { gradValues } = sparseDecodeBackward(gOut, values, indices, m.params.W_dec, { gradWdec, lists });
  return { lists, gradWdec, gradValues };
}

/**
 * Scores: pre [batch, d_sae], hp (pre * ||W_dec[i]|| when rescaling, with norms; else pre). Top-k: shown [batch, k]
 * (ReLU'd top-k of hp, what SAELens reports), values [batch, k] (shown / norms: what is decoded), indices [batch, k]
 * i32. ctx.deadMask drives the aux-k term.
 */
export function sparseTopkStep(
  m: SaeModel,
  x: Tensor,
  saeIn: Tensor,
  s: { pre: Tensor; hp: Tensor; norms: Tensor | null },
  top: { shown: Tensor; values: Tensor; indices: Tensor },
  ctx: TrainContext = {},
): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const { values, indices, shown } = top;
  const saeOut = sparseDecode(values, indices, m.params.W_dec, { bias: m.params.b_dec }); // [batch, d_in]
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = auxKSparse(m, s.hp, x, saeOut, ctx, s.norms);
  const auxLoss = aux?.loss ?? fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const loss = total([mseLoss, auxLoss]);
  const { out, dense } = pairOutput(s.hp, saeOut, shown, indices, loss, { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss });
  return {
    out,
    backward(): SaeParams {
      const { lists, gradWdec, gradValues } = pairDecoderBackward(m, gOut, values, indices);
      const gV = saeActBackward("mask", gradValues, values); // [batch, k]: zero where ReLU cut the value
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
      disposeAll([gradValues, gV]);
      return grads;
    },
    dispose: () => {
      aux?.dispose();
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, dense(), s.pre, s.hp, s.norms, saeOut, shown, values, indices]);
    },
  };
}
