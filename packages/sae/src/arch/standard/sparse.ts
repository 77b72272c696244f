// The standard (ReLU) SAE's training step through its active latents. Once training has made f sparse (L0 of
// 50-200 of thousands), the gradient of the pre-activations is zero wherever f = 0, so after the dense encoder GEMM
// the decode, its backward and both weight gradients need only the (batch, K) pairs where f can be nonzero: the
// K largest pre-activations of each row (topk), ReLU'd, with the pairs the ReLU zeroed marked inactive. That is
// exact when no row has K or more positive pre-activations, which one 4-byte readback checks; a batch that fails
// it takes the dense step (standard.ts), and the next few steps stay dense without checking (early in training f
// is dense, and the check costs a topk). The same kernels as the sparse TopK step (topk/sparse.ts), plus the
// decoder-norm-weighted L1 term: its loss from the pairs, its W_dec gradient from per-latent sums of f.
import { activeIndices, gatherRows, latentSums, matmul, rowMax, saeActBackward, saeActivation, saeAxpby, saeDot, sparseDecode, sparseEncoderGrad, topk, transpose, type Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { colSum, decoderNorms, disposeAll, mse, normPenalty, total } from "../common.ts";
import { pairDecoderBackward, pairOutput } from "../pairs.ts";

/** topk's limit, and the most the default K takes. */
export const MAX_ACTIVE = 256;
/** Dense steps to take after a batch had a row with K or more active latents, before checking again. */
const DENSE_RUN = 25;

const backoff = new WeakMap<SaeModel, { steps: number; denseUntil: number }>();

/**
 * K for this model and step: ctx.sparseMaxActive, else d_sae / 16 up to 256 when d_sae >= 1024, else 0 (dense).
 * The pair kernels run at 2-3 GFLOP/s against 35-40 for the dense GEMMs on llvmpipe, so pairs pay below ~1/16 of
 * d_sae (bench/RESULTS.md); at d_sae 6144 the default K is 256 (4%).
 */
function activeBudget(m: SaeModel, ctx: TrainContext): number {
  const S = m.cfg.d_sae;
  const asked = ctx.sparseMaxActive ?? (S >= 1024 ? Math.min(MAX_ACTIVE, Math.floor(S / 16)) : 0);
  return asked <= 0 ? 0 : Math.min(asked, MAX_ACTIVE, S); // K = d_sae (d_sae <= 256): exact for any activations
}

/**
 * K for this step, or 0 when it must be dense: no budget, or inside a dense run. Counts the step, so call it once
 * per step, before making anything only the sparse step needs.
 */
export function sparseTurn(m: SaeModel, ctx: TrainContext): number {
  const K = activeBudget(m, ctx);
  if (K === 0) return 0;
  const b = backoff.get(m) ?? { steps: 0, denseUntil: 0 };
  backoff.set(m, b);
  b.steps++;
  return b.steps < b.denseUntil ? 0 : K;
}

/**
 * The K largest entries of each row of `score` [batch, d_sae] (raw values [batch, K], indices [batch, K] i32), or
 * null when some row has K or more positive scores (a pair the sparse step needs is one with a positive score):
 * that step is dense, and so are the next DENSE_RUN.
 */
export async function candidatePairs(m: SaeModel, score: Tensor, K: number): Promise<{ values: Tensor; indices: Tensor } | null> {
  const top = topk(score, K);
  if (K < m.cfg.d_sae) {
    // rows are sorted descending: some row has >= K positives iff the largest value in column K - 1 is > 0
    const cols = transpose(top.values);
    const colMax = rowMax(cols);
    const full = (await colMax.read())[K - 1] > 0;
    disposeAll([cols, colMax]);
    if (full) {
      const b = backoff.get(m) ?? { steps: 0, denseUntil: 0 };
      b.denseUntil = b.steps + DENSE_RUN;
      backoff.set(m, b);
      disposeAll([top.values, top.indices]);
      return null;
    }
  }
  return top;
}

/** The active pairs of pre (values ReLU'd [batch, K], indices [batch, K] i32, -1 where the ReLU zeroed the value:
 * every sparse kernel skips those, so the work follows the real L0 rather than K), or null for a dense step. */
export async function activePairs(m: SaeModel, pre: Tensor, ctx: TrainContext): Promise<{ values: Tensor; indices: Tensor } | null> {
  const K = sparseTurn(m, ctx);
  const top = K === 0 ? null : await candidatePairs(m, pre, K);
  if (!top) return null;
  const values = saeActivation("relu", top.values);
  const indices = activeIndices(values, top.indices);
  disposeAll([top.values, top.indices]);
  return { values, indices };
}

/** The step given the active pairs; c is the L1 coefficient over the batch size, as in standard.ts. */
export function sparseStandardStep(m: SaeModel, x: Tensor, saeIn: Tensor, pre: Tensor, values: Tensor, indices: Tensor, c: number): TrainStep {
  const { d_in, d_sae } = m.cfg;
  const [B, K] = values.shape;
  const saeOut = sparseDecode(values, indices, m.params.W_dec, { bias: m.params.b_dec }); // [batch, d_in]
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const norms = decoderNorms(m); // [d_sae]
  const normsAtBase = gatherRows(norms.reshape([d_sae, 1]), indices); // [batch, K, 1]: ||W_dec[indices[b, j]]||, 0 at -1
  const normsAt = normsAtBase.reshape([B, K]); // a view: normsAtBase is the one disposed
  const l1 = saeDot(values, normsAt, c); // c sum_b sum_i f_bi ||W_dec[i]||
  const loss = total([mseLoss, l1]);
  const { out, dense } = pairOutput(pre, saeOut, values, indices, loss, { mse_loss: mseLoss, l1_loss: l1 });
  return {
    out,
    backward(): SaeParams {
      const { lists, gradWdec, gradValues } = pairDecoderBackward(m, gOut, values, indices);
      const grads: SaeParams = { W_dec: gradWdec };
      // d loss / d pre at the pairs: gF + c ||W_dec[i]|| where f > 0
      const gF = saeAxpby(gradValues, normsAt, null, 1, c, 0);
      const gV = saeActBackward("mask", gF, values);
      const fSum = latentSums(values, lists); // sum_b f_bi [d_sae]
      normPenalty(m, fSum, norms, c, grads).dispose(); // W_dec += c fSum_i W_dec[i] / ||W_dec[i]||
      const { gradWenc, gradBenc } = sparseEncoderGrad(saeIn, gV, indices, d_sae, { lists });
      grads.W_enc = gradWenc;
      grads.b_enc = gradBenc;
      grads.b_dec = colSum(gOut);
      if (m.cfg.apply_b_dec_to_input) {
        matmul(m.params.W_enc, gradBenc.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
      }
      lists.dispose();
      disposeAll([gradValues, gF, gV, fSum]);
      return grads;
    },
    dispose: () => disposeAll([saeIn, gOut, norms, normsAtBase, loss, mseLoss, l1, dense(), pre, saeOut, values, indices]),
  };
}
