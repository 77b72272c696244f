// The TopK training step through the k active latents of each row: after the dense encoder GEMM and the top-k
// select, decode, its backward, and both weight gradients touch only the selected (batch, k) pairs, summed per
// latent over sorted lists (latentLists: deterministic). Dense f [batch, d_sae] is made only if someone reads
// out.featureActs (the trainer derives firing counts from out.active instead). When latents are dead the aux-k term
// goes through its own pairs too (family/auxk_sparse.ts): its encoder gradient is added round by round. With the
// top-k taken in row blocks (topk/blocks.ts) there is no dense pre at all: hidden_pre is made only if read. BatchTopK's
// pairs may come in pair rows (pair_rows.ts: a loud row's pairs over several rows, summed back into its batch row).
import { fill, matmul, saeAxpby, sparseEncoderGrad, Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { pairDecoderBackward, pairOutput, type LazyPre, type PairTerms } from "../pairs.ts";
import { decodeRows, expandRows, plainRows, type PairRows } from "../pair_rows.ts";
import { auxKPairs, auxKSparse } from "../family/auxk_sparse.ts";
import type { BlockAux } from "./blocks.ts";
import { colSum, disposeAll, mse, total } from "../common.ts";

/**
 * Scores: pre [batch, d_sae], hp (pre * ||W_dec[i]|| when rescaling, with norms; else pre). Top-k: shown [batch, k]
 * (ReLU'd top-k of hp, what SAELens reports), values [batch, k] (shown / norms: what is decoded), indices [batch, k]
 * i32 (-1 where a pair is unused: BatchTopK's variable counts per row). ctx.deadMask drives the aux-k term, whose
 * rounds come in s.aux when they were taken in row blocks. `terms`: more loss terms on the pairs (Matryoshka's).
 * top.rows: the pairs' pair rows ([P, W] with a row map; consumed), else [batch, k].
 */
export function sparseTopkStep(
  m: SaeModel,
  x: Tensor,
  saeIn: Tensor,
  s: { pre: Tensor | null; hp: Tensor | LazyPre; norms: Tensor | null; aux?: BlockAux | null },
  top: { shown: Tensor; values: Tensor; indices: Tensor; rows?: PairRows },
  ctx: TrainContext = {},
  terms: PairTerms | null = null,
): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const { values, indices, shown } = top;
  const rows = top.rows ?? plainRows(x.shape[0]);
  const saeOut = decodeRows(rows, values, indices, m.params.W_dec, m.params.b_dec); // [batch, d_in]
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = s.aux
    ? auxKPairs(m, s.aux.rounds, s.aux.coef, x, saeOut, s.norms, s.aux.owned)
    : s.hp instanceof Tensor ? auxKSparse(m, s.hp, x, saeOut, ctx, s.norms) : null;
  const auxLoss = aux?.loss ?? fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const loss = total([mseLoss, auxLoss, ...Object.values(terms?.losses ?? {})]);
  const losses = { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss, ...terms?.losses };
  const { out, dense, made } = pairOutput(s.hp, saeOut, shown, indices, loss, losses, rows);
  return {
    out,
    backward(): SaeParams {
      // gV [P, k]: d loss / d values, zero where ReLU cut the value; gOut and sae_in read per pair row
      const gRows = expandRows(rows, gOut);
      const { lists, gradWdec, gradValues } = pairDecoderBackward(m, gRows, values, indices, true);
      if (gRows !== gOut) gRows.dispose();
      const grads: SaeParams = { W_dec: gradWdec, b_dec: colSum(gOut) };
      const gV = terms ? terms.backward(grads, gradValues, lists) : gradValues;
      const inRows = expandRows(rows, saeIn);
      let { gradWenc, gradBenc } = sparseEncoderGrad(inRows, gV, indices, d_sae, { lists });
      if (inRows !== saeIn) inRows.dispose();
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
      terms?.dispose();
      rows.dispose();
      const hp = s.hp instanceof Tensor ? s.hp : made();
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, dense(), s.pre, hp, s.norms, saeOut, shown, values, indices]);
    },
  };
}
