// The JumpReLU SAE's training step through its candidate pairs, the same machinery as the standard SAE's
// (standard/sparse.ts). Besides the active latents (pre > t, t = exp(log_threshold)), the threshold's
// straight-through gradient needs every pre inside the rectangle window |pre - t| < bw / 2, so the candidates are
// the pairs with pre - (t - bw / 2) > 0: the K largest of that score per row, exact when no row has K or more.
// Per-pair thresholds come from gathers; the per-pair activation and threshold gradient reuse saeActivation /
// saeActBackward on a [1, batch * K] view (their per-column vector then holds one value per pair).
import { activeIndices, fill, gatherRows, latentSums, matmul, saeActBackward, saeActivation, saeAxpby, saeDot, sparseDecode, sparseEncoderGrad, Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { colSum, disposeAll, mse, ones, total } from "../common.ts";
import { candidatePairs, sparseTurn } from "../standard/sparse.ts";
import { pairDecoderBackward, pairOutput } from "../pairs.ts";

export interface JumpPairs {
  values: Tensor; // f at the pairs [batch, K] (0 for candidates under the threshold)
  indices: Tensor; // [batch, K] i32, -1 outside the window
  pre: Tensor; // pre-activations at the pairs [batch, K]
  logThr: Tensor; // log_threshold at the pairs [batch, K, 1]
}

/** t - bw / 2 per latent, [1, d_sae]: ones * exp(log_threshold) - bw / 2 (saeActivation "gatedMag"). */
function windowStart(m: SaeModel): Tensor {
  const S = m.cfg.d_sae;
  const half = fill(Tensor.empty(m.device, [S], "f32", "-bw/2"), -m.cfg.jumprelu_bandwidth / 2);
  const start = saeActivation("gatedMag", ones(m.device, S), { v1: half, v2: m.params.log_threshold });
  half.dispose();
  return start;
}

/**
 * The candidate pairs of pre, or null when this step must be dense (standard/sparse.ts candidatePairs). Every
 * tensor made here is owned (reshape views never free their buffer, so results are written through views of
 * owned tensors, not returned as views).
 */
export async function jumpPairs(m: SaeModel, pre: Tensor, ctx: TrainContext): Promise<JumpPairs | null> {
  const S = m.cfg.d_sae;
  const K = sparseTurn(m, ctx);
  if (K === 0) return null; // the window and the scores below are only for the sparse step
  const start = windowStart(m); // [1, d_sae]
  const score = saeAxpby(pre, null, start, 1, 0, -1); // pre - (t - bw/2)
  const top = await candidatePairs(m, score, K);
  score.dispose();
  if (!top) {
    start.dispose();
    return null;
  }
  const B = top.values.shape[0];
  const indices = activeIndices(top.values, top.indices); // -1 where the score is not positive
  const startAt = gatherRows(start.reshape([S, 1]), indices); // [batch, K, 1], 0 at -1
  const logThr = gatherRows(m.params.log_threshold.reshape([S, 1]), indices); // [batch, K, 1]
  const preP = saeAxpby(top.values, startAt.reshape([B, K]), null, 1, 1, 0);
  const values = Tensor.empty(m.device, [B, K], "f32", "jumprelu pair acts");
  saeActivation("jumprelu", preP.reshape([1, B * K]), { v1: logThr.reshape([B * K]), out: values.reshape([1, B * K]) });
  disposeAll([start, startAt, top.values, top.indices]);
  return { values, indices, pre: preP, logThr };
}

/** The step given the pairs; c0 is the L0 coefficient over the batch size, as in jumprelu.ts. */
export function sparseJumpStep(m: SaeModel, x: Tensor, saeIn: Tensor, pre: Tensor, p: JumpPairs, c0: number): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const [B, K] = p.values.shape;
  const saeOut = sparseDecode(p.values, p.indices, m.params.W_dec, { bias: m.params.b_dec });
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const l0 = saeDot(p.values, p.values, c0, "count");
  const loss = total([mseLoss, l0]);
  const { out, dense } = pairOutput(pre, saeOut, p.values, p.indices, loss, { mse_loss: mseLoss, l0_loss: l0 });
  return {
    out,
    backward(): SaeParams {
      const { lists, gradWdec, gradValues } = pairDecoderBackward(m, gOut, p.values, p.indices);
      const gPre = saeActBackward("mask", gradValues, p.values); // gF where pre > t (f > 0 there: t > 0)
      const flat = (t: Tensor) => t.reshape([1, B * K]);
      const gThr = saeActBackward("jumpThreshold", flat(gradValues), flat(p.pre), { v: p.logThr.reshape([B * K]), c0, bandwidth: m.cfg.jumprelu_bandwidth });
      const gradLogThr = latentSums(gThr, lists);
      const { gradWenc, gradBenc } = sparseEncoderGrad(saeIn, gPre, p.indices, d_sae, { lists });
      const grads: SaeParams = { W_enc: gradWenc, b_enc: gradBenc, W_dec: gradWdec, b_dec: colSum(gOut), log_threshold: gradLogThr };
      if (m.cfg.apply_b_dec_to_input) {
        matmul(m.params.W_enc, gradBenc.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
      }
      lists.dispose();
      disposeAll([gradValues, gPre, gThr]);
      return grads;
    },
    dispose: () => disposeAll([saeIn, gOut, loss, mseLoss, l0, dense(), pre, saeOut, p.values, p.indices, p.pre, p.logThr]),
  };
}
