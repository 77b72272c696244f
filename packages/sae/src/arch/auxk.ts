// The aux-k loss of TopK/BatchTopK SAEs (Gao et al. 2024; SAELens): the k_aux largest pre-activations among dead
// latents (k_aux = d_in / 2 unless set, at most the number dead) reconstruct the detached residual x - x_hat
// through W_dec without bias; loss = coef * min(n_dead / k_aux, 1) * mean_b ||A W_dec - (x - x_hat)||^2.
import { fill, matmul, saeAxpby, saeDot, saeScatter, Tensor, topk } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext } from "./contract.ts";
import { disposeAll } from "./common.ts";

export const EXCLUDED = -3e38;
export const TOPK_MAX_K = 256; // the topk op's limit (OPS.md)

export interface AuxK {
  loss: Tensor; // [1]
  /** Adds the aux-k W_dec gradient into grads.W_dec; returns gA = d aux / d A and A (both [batch, d_sae]). */
  backward(grads: SaeParams): { gA: Tensor; A: Tensor } | null;
  dispose(): void;
}

/** Top-kAux per row of `masked` (kAux may exceed the topk op's limit: taken in rounds) scattered into A. */
function selectDead(masked: Tensor, kAux: number): Tensor {
  const [B, d_sae] = masked.shape;
  const A = fill(Tensor.empty(masked.device, [B, d_sae], "f32", "auxk acts"), 0);
  let rest = kAux;
  let work: Tensor | null = null;
  while (rest > 0) {
    const k = Math.min(rest, TOPK_MAX_K);
    const { values, indices } = topk(work ?? masked, k);
    saeScatter(values, indices, A, false);
    rest -= k;
    if (rest > 0) {
      work ??= saeAxpby(masked, null, null, 1, 0, 0);
      fill(values, EXCLUDED);
      saeScatter(values, indices, work, false); // exclude what this round took
    }
    disposeAll([values, indices]);
  }
  work?.dispose();
  return A;
}

/** What both forms of the term start from: k_aux, the loss coefficient, and pre with live latents pushed to
 * -3e38 (masked [batch, d_sae]; the caller disposes it and deadBias); null when no latent is dead. */
export function auxSetup(m: SaeModel, pre: Tensor, batch: number, ctx: TrainContext): { kAux: number; coef: number; deadBias: Tensor; masked: Tensor } | null {
  const dead = ctx.deadMask;
  const { d_in, d_sae } = m.cfg;
  let numDead = 0;
  const bias = new Float32Array(d_sae);
  for (let j = 0; j < d_sae; j++) {
    if (dead && dead[j]) numDead++;
    else bias[j] = EXCLUDED;
  }
  if (numDead === 0) return null;
  const kAux0 = m.cfg.k_aux ?? Math.floor(d_in / 2);
  const coef = (m.cfg.aux_loss_coefficient * Math.min(numDead / kAux0, 1)) / batch;
  const deadBias = Tensor.from(m.device, [d_sae], bias, "dead bias");
  const masked = saeAxpby(pre, null, deadBias, 1, 0, 1); // [batch, d_sae], live latents pushed to -3e38
  return { kAux: Math.min(kAux0, numDead), coef, deadBias, masked };
}

export function auxK(m: SaeModel, pre: Tensor, x: Tensor, saeOut: Tensor, ctx: TrainContext): AuxK | null {
  const setup = auxSetup(m, pre, x.shape[0], ctx);
  if (!setup) return null;
  const { kAux, coef, deadBias, masked } = setup;
  const A = selectDead(masked, kAux);
  const e = saeAxpby(saeOut, x, null, 1, -1, 0); // x_hat - x = -(residual)
  matmul(A, m.params.W_dec, { accumulate: true, out: e }); // A W_dec - residual
  const loss = saeDot(e, e, coef);
  return {
    loss,
    backward(grads) {
      const gE = saeAxpby(e, null, null, 2 * coef, 0, 0);
      const gA = matmul(gE, m.params.W_dec, { transB: true });
      matmul(A, gE, { transA: true, accumulate: true, out: grads.W_dec });
      gE.dispose();
      return { gA, A };
    },
    dispose: () => disposeAll([deadBias, masked, A, e, loss]),
  };
}
