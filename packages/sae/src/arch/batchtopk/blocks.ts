// BatchTopK's exact batch-level selection in row blocks, for training when the scores [batch, d_sae] are larger
// than one storage binding: the floor(k * batch) largest positive scores of the whole batch (ties: lower flat index
// first, as batchTopk) without the dense tensor. One pass over the blocks (topk/blocks.ts) keeps each row's top
// `width` scores as candidates [batch, width] (rounds of 256, topk's limit; sorted descending, ties lower latent
// first, so their flat order among equal values is the dense tensor's); batchTopk over the candidates then selects
// exactly what it selects over the dense scores unless some row's last candidate is positive and >= the smallest
// kept value (that row may hold more of the selection past its candidates): then another pass doubles the width, up
// to d_sae. The selection stays [batch, width] pairs, indices -1 where unused (the sparse step skips them). The
// running threshold update is batchActs's. Memory: parameters, the candidates and one block. Not an architecture.
import { activeIndices, copyWindow, fill, gatherRows, saeScatter, Tensor, topk } from "@sae/tensor-core";
import type { SaeModel, TrainContext, TrainStep } from "../contract.ts";
import { decoderNorms, disposeAll } from "../common.ts";
import { unscaleAt } from "../family/auxk.ts";
import type { PairTerms } from "../pairs.ts";
import { auxInBlocks, denseScores, forBlocks, type BlockAux } from "../topk/blocks.ts";
import { sparseTopkStep } from "../topk/sparse.ts";
import { batchSelect } from "./select.ts";

const ROUND = 256; // topk's most per call
const EXCLUDED = -3e38;

interface Candidates {
  values: Tensor; // [batch, width] scores, not ReLU'd, descending per row
  indices: Tensor; // [batch, width] i32, their latents
}

/** prev's candidates widened to `width` columns per row by one pass over the blocks (`also` sees each block first). */
function widen(m: SaeModel, saeIn: Tensor, norms: Tensor | null, prev: Candidates | null, width: number,
  also?: (hp: Tensor, r0: number, r1: number) => void): Candidates {
  const batch = saeIn.shape[0];
  const had = prev ? prev.values.shape[1] : 0;
  const values = Tensor.empty(m.device, [batch, width], "f32", "batchtopk candidates");
  const indices = Tensor.empty(m.device, [batch, width], "i32", "batchtopk candidate latents");
  const at = (c0: number, stride: number, r0 = 0) => ({ r0, c0, stride });
  if (prev) {
    copyWindow(prev.values, at(0, had), values, at(0, width), batch, had);
    copyWindow(prev.indices, at(0, had), indices, at(0, width), batch, had);
  }
  const exclude = (hp: Tensor, idx: Tensor) => {
    const excluded = fill(Tensor.empty(m.device, idx.shape, "f32", "batchtopk excluded"), EXCLUDED);
    saeScatter(excluded, idx, hp, false);
    excluded.dispose();
  };
  forBlocks(m, saeIn, norms, (hp, r0, r1) => {
    also?.(hp, r0, r1);
    if (prev) exclude(hp, prev.indices.rows(r0, r1));
    for (let c = had; c < width; ) {
      const r = Math.min(ROUND, width - c);
      const top = topk(hp, r); // [rows, r]
      copyWindow(top.values, at(0, r), values, at(c, width, r0), r1 - r0, r);
      copyWindow(top.indices, at(0, r), indices, at(c, width, r0), r1 - r0, r);
      c += r;
      if (c < width) exclude(hp, top.indices);
      disposeAll([top.values, top.indices]);
    }
  });
  if (prev) disposeAll([prev.values, prev.indices]);
  return { values, indices };
}

/** Whether a row's last candidate is positive and >= kept (its row may hold selected values past the candidates). */
async function saturated(c: Candidates, kept: number | null): Promise<boolean> {
  if (kept === null) return false;
  const [batch, width] = c.values.shape;
  const lastOf = Int32Array.from({ length: batch }, (_, b) => b * width + width - 1);
  const ids = Tensor.from(c.values.device, [batch], lastOf);
  const last = gatherRows(c.values.reshape([batch * width, 1]), ids); // [batch, 1]
  const v = await last.read();
  disposeAll([ids, last]);
  return v.some((x) => x > 0 && x >= kept);
}

export interface BatchPairs {
  shown: Tensor; // [batch, width] kept scores (what SAELens reports), 0 elsewhere
  values: Tensor; // [batch, width] decoded values (shown / norms when rescaling)
  indices: Tensor; // [batch, width] i32, -1 where nothing is kept
  aux: BlockAux | null; // the aux-k term's rounds, taken in the first pass
}

/** The batch-level selection of scores = sae_in W_enc + b_enc (times norms) in row blocks; moves m.topkThreshold. */
export async function batchSelectInBlocks(m: SaeModel, saeIn: Tensor, norms: Tensor | null, ctx: TrainContext):
  Promise<BatchPairs> {
  const { d_sae } = m.cfg;
  const k = m.cfg.k as number;
  const auxTake = auxInBlocks(m, saeIn.shape[0], ctx);
  let width = Math.min(d_sae, Math.max(ROUND, 2 * k));
  let cands = widen(m, saeIn, norms, null, width, auxTake?.take);
  for (;;) {
    const { f, kept } = await batchSelect(cands.values, k); // [batch, width]
    if (width === d_sae || !(await saturated(cands, kept))) {
      if (kept !== null) {
        const lr = m.cfg.topk_threshold_lr;
        m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept;
      }
      const indices = activeIndices(f, cands.indices);
      const values = norms ? unscaleAt(f, cands.indices, norms) : f;
      disposeAll([cands.values, cands.indices]);
      return { shown: f, values, indices, aux: auxTake?.aux ?? null };
    }
    f.dispose();
    width = Math.min(d_sae, 2 * width);
    cands = widen(m, saeIn, norms, cands, width);
  }
}

/** A BatchTopK step through its pairs with the selection in row blocks; `terms` adds loss terms on the pairs. */
export async function batchBlockStep(m: SaeModel, x: Tensor, saeIn: Tensor, ctx: TrainContext,
  terms?: (values: Tensor, indices: Tensor) => PairTerms): Promise<TrainStep> {
  const norms = m.cfg.rescale_acts_by_decoder_norm ? decoderNorms(m) : null;
  const p = await batchSelectInBlocks(m, saeIn, norms, ctx);
  const hp = { dSae: m.cfg.d_sae, make: () => denseScores(m, saeIn, norms) };
  const top = { shown: p.shown, values: p.values, indices: p.indices };
  return sparseTopkStep(m, x, saeIn, { pre: null, hp, norms, aux: p.aux }, top, ctx, terms?.(p.values, p.indices));
}
