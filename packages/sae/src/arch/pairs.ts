// Shared helpers of the training steps that run through (row, latent) pairs instead of dense f [batch, d_sae]: the
// TopK step (topk/sparse.ts) and the sparse steps of standard and jumprelu (standard/sparse.ts, jumprelu/sparse.ts).
import { fill, latentLists, saeScatter, sparseDecodeBackward, Tensor, type LatentLists } from "@sae/tensor-core";
import type { SaeModel, TrainOutput } from "./contract.ts";
import { denseRows, type PairRows } from "./pair_rows.ts";

/** Dense f [batch, d_sae] from the top-k pairs (zeros elsewhere). */
export function denseActs(values: Tensor, indices: Tensor, dSae: number): Tensor {
  const f = Tensor.empty(values.device, [values.shape[0], dSae], "f32", "topk acts");
  fill(f, 0);
  saeScatter(values, indices, f, false);
  return f;
}

/** hidden_pre made only when read (TopK selecting in row blocks, topk/blocks.ts). */
export interface LazyPre {
  dSae: number;
  make(): Tensor;
}

/**
 * A pair step's TrainOutput: f [batch, d_sae] is made only when read, and hidden_pre too when lazy; `dense()` gives
 * f and `made()` the lazy hidden_pre for the caller to dispose (null if never read). `rows`: pairs [P, W] in pair
 * rows (pair_rows.ts), f summing them into their batch rows.
 */
export function pairOutput(
  pre: Tensor | LazyPre,
  saeOut: Tensor,
  values: Tensor,
  indices: Tensor,
  loss: Tensor,
  losses: Record<string, Tensor>,
  rows: PairRows | null = null,
): { out: TrainOutput; dense: () => Tensor | null; made: () => Tensor | null } {
  let f: Tensor | null = null;
  let hp: Tensor | null = null;
  const out: TrainOutput = {
    loss,
    losses,
    get featureActs(): Tensor {
      const dSae = pre instanceof Tensor ? pre.shape[1] : pre.dSae;
      f ??= rows ? denseRows(rows, values, indices, dSae) : denseActs(values, indices, dSae);
      return f;
    },
    get hiddenPre(): Tensor {
      if (pre instanceof Tensor) return pre;
      hp ??= pre.make();
      return hp;
    },
    saeOut,
    active: { values, indices },
  };
  return { out, dense: () => f, made: () => hp };
}

/**
 * The start of a pair step's backward: latent lists, the W_dec gradient (every row written: no zeroing pass),
 * d loss / d values (times (values > 0) with reluMask: the ReLU's backward, fused into the same kernel).
 */
export function pairDecoderBackward(m: SaeModel, gOut: Tensor, values: Tensor, indices: Tensor, reluMask = false): { lists: LatentLists; gradWdec: Tensor; gradValues: Tensor } {
  const { d_in, d_sae } = m.cfg;
  const lists = latentLists(indices, d_sae);
  const gradWdec = Tensor.empty(m.device, [d_sae, d_in], "f32", "grad W_dec");
  const { gradValues } = sparseDecodeBackward(gOut, values, indices, m.params.W_dec, { gradWdec, lists, overwrite: true, reluMask });
  return { lists, gradWdec, gradValues };
}

/** More loss terms of a pair step on its pairs (Matryoshka's inner reconstructions). */
export interface PairTerms {
  losses: Record<string, Tensor>; // [1] each
  /** Adds the terms' W_dec and b_dec gradients into grads; returns gV [batch, k] plus the terms' d loss / d values
   * (gV is consumed). `lists`: the pairs' latent lists (latentLists of the indices), shared. */
  backward(grads: Record<string, Tensor>, gV: Tensor, lists: LatentLists): Tensor;
  dispose(): void;
}
