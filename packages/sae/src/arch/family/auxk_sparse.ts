// The aux-k loss (auxk.ts) through its pairs, for the sparse TopK step: the k_aux largest pre-activations among dead
// latents per row stay (values, indices) pairs, taken in rounds of at most 256 (the topk op's limit), instead of a
// dense A [batch, d_sae]. Then A W_dec is a sparse decode, and d aux / d A and the aux part of the W_dec gradient
// come from the sparse decode backward; the encoder gradient adds each round's pairs (topk/sparse.ts).
// Same formulas as auxk.ts: loss = coef * min(n_dead / k_aux, 1) * mean_b ||A W_dec + b_dec - (x - x_hat)||^2.
import { saeAxpby, sparseDecode, sparseDecodeBackward, type Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext } from "../contract.ts";
import { auxBase, auxBudget, auxGradE, auxLoss, auxSetup, auxSetupTensors, deadRounds, dropLive, unscaleAt,
  type AuxCoef } from "./auxk.ts";
import { addColSum, disposeAll } from "../common.ts";

/** One round of aux pairs: values [batch, r] (pre-activations, not ReLU'd) at indices [batch, r]. */
export interface AuxRound {
  values: Tensor;
  indices: Tensor;
}

export interface AuxKSparse {
  loss: Tensor; // [1]
  /** Adds the aux W_dec and b_dec gradients into grads.W_dec, grads.b_dec (which must exist); returns d aux / d pre
   * at each round's pairs,
   * same shapes as the rounds. A is not ReLU'd, so every pair passes its gradient (the dense path masks A != 0;
   * a pre-activation of exactly 0 among the selected is the only case where the two could differ). */
  backward(grads: SaeParams): Tensor[];
  rounds: AuxRound[];
  dispose(): void;
}

/**
 * Whether the aux-k term should go through pairs: with k_aux pairs per row the sparse kernels (~2.5 GFLOP/s on
 * llvmpipe) beat the dense GEMMs (~35-40) only while k_aux is under ~1/16 of d_sae; measured at d_sae 6144 with
 * k_aux 384 (1/16) the sparse step took 8.6 s against the dense one's 6 s, so pairs only at 1/32 or less.
 */
export function auxPairsPay(m: SaeModel, ctx: TrainContext): boolean {
  return auxBudget(m, ctx).kAux * 32 <= m.cfg.d_sae;
}

/** pre: selection scores (pre * ||W_dec|| when rescaling, with norms given); rounds hold the decoded values. */
export function auxKSparse(m: SaeModel, pre: Tensor, x: Tensor, saeOut: Tensor, ctx: TrainContext,
  norms: Tensor | null = null): AuxKSparse | null {
  const setup = auxSetup(m, pre, x.shape[0], ctx);
  if (!setup) return null;
  const { kAux, coef, masked, dead } = setup;
  const rounds = deadRounds(masked, kAux).map((r) => (dead ? dropLive(r, dead, true) : r));
  return auxKPairs(m, rounds, coef, x, saeOut, norms, auxSetupTensors(setup));
}

/**
 * The term from its rounds of pairs taken on the score scale (each round's values [batch, r] become the decoded
 * values, divided by norms at their indices when rescaling); `owned` is disposed with the term.
 */
export function auxKPairs(m: SaeModel, taken: AuxRound[], coef: AuxCoef, x: Tensor, saeOut: Tensor,
  norms: Tensor | null, owned: Tensor[] = []): AuxKSparse {
  const rounds: AuxRound[] = taken.map((r) => {
    if (!norms) return r;
    const values = unscaleAt(r.values, r.indices, norms);
    r.values.dispose();
    return { values, indices: r.indices };
  });
  let e = auxBase(m, saeOut, x); // decode(0) - residual
  for (const r of rounds) {
    const part = sparseDecode(r.values, r.indices, m.params.W_dec); // A W_dec over this round's pairs
    const next = saeAxpby(e, part, null, 1, 1, 0); // (an op may not write a buffer it reads)
    disposeAll([e, part]);
    e = next;
  }
  const loss = auxLoss(e, coef);
  return {
    loss,
    rounds,
    backward(grads) {
      const gE = auxGradE(e, coef);
      const out = rounds.map((r) => sparseDecodeBackward(gE, r.values, r.indices, m.params.W_dec, { gradWdec: grads.W_dec }).gradValues);
      addColSum(gE, grads.b_dec);
      gE.dispose();
      return out;
    },
    dispose: () => disposeAll([...owned, e, loss, ...rounds.flatMap((r) => [r.values, r.indices])]),
  };
}
