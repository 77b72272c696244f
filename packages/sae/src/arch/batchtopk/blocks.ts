// BatchTopK's exact batch-level selection in row blocks, for training when the scores [batch, d_sae] are larger
// than one storage binding: the floor(k * batch) largest positive scores of the whole batch (ties: lower flat index
// first, as batchTopk) without the dense tensor. One pass over the blocks (topk/blocks.ts) keeps each row's top
// `base` scores as candidates (candidates.ts: rounds of 256, sorted descending, ties lower latent first); batchTopk
// over the candidates (ragged.ts: in row order, so their flat order among equal values is the dense tensor's) then
// selects exactly what it selects over the dense scores unless some row's last candidate is positive and >= the
// smallest kept value (that row may hold more of the selection past its candidates). Only those loud rows widen:
// another pass over just their rows doubles their candidates (up to d_sae), the other rows keep `base`. The
// selection comes out as pairs [P, W] in pair rows (arch/pair_rows.ts, ragged.ts pairLayout): W the most kept in a
// quiet row, a loud row's further pairs in extra rows that the step sums back into its batch row; indices -1 where
// unused (the sparse step skips them). The running threshold update is batchActs's. Memory: parameters, batch *
// base candidates, loud * width, one block and the pairs (batch * W + the loud rows' extra). Not an architecture.
import { activeIndices, fill, gatherRows, Tensor } from "@sae/tensor-core";
import type { SaeModel, TrainContext, TrainStep } from "../contract.ts";
import { decoderNorms, disposeAll } from "../common.ts";
import { unscaleAt } from "../family/auxk.ts";
import type { PairTerms } from "../pairs.ts";
import { pairRows, type PairRows } from "../pair_rows.ts";
import { auxInBlocks, denseScores, type BlockAux } from "../topk/blocks.ts";
import { sparseTopkStep } from "../topk/sparse.ts";
import { candidatesOf, ROUND } from "./candidates.ts";
import { keptPerRow, pairLayout, ragged, relayout, saturatedRows, toPairRows, type Ragged } from "./ragged.ts";
import { batchSelect } from "./select.ts";

export interface BatchPairs {
  shown: Tensor; // [P, W] kept scores (what SAELens reports), 0 elsewhere, in pair rows `rows`
  values: Tensor; // [P, W] decoded values (shown / norms when rescaling)
  indices: Tensor; // [P, W] i32, -1 where nothing is kept
  rows: PairRows; // pair row -> batch row
  aux: BlockAux | null; // the aux-k term's rounds, taken in the first pass
}

/** g with the rows `more` (and g's loud rows) widened to twice the loud width (base to start), up to d_sae. */
function widenLoud(m: SaeModel, saeIn: Tensor, norms: Tensor | null, g: Ragged, more: number[]): Ragged {
  const loud = [...new Set([...g.loud, ...more])].sort((a, b) => a - b);
  const width = Math.min(m.cfg.d_sae, 2 * g.width);
  const ids = Tensor.from(m.device, [loud.length], Int32Array.from(loud), "batchtopk loud rows");
  const rows = gatherRows(saeIn, ids); // [loud, d_in]
  const block = candidatesOf(m, rows, norms, width, Math.ceil(width / g.base) * g.base);
  disposeAll([ids, rows]);
  return relayout(g, loud, width, block);
}

/** The batch-level selection of scores = sae_in W_enc + b_enc (times norms) in row blocks; moves m.topkThreshold. */
export async function batchSelectInBlocks(m: SaeModel, saeIn: Tensor, norms: Tensor | null, ctx: TrainContext):
  Promise<BatchPairs> {
  const { d_sae } = m.cfg;
  const k = m.cfg.k as number;
  const batch = saeIn.shape[0];
  const auxTake = auxInBlocks(m, batch, ctx);
  const base = Math.min(d_sae, Math.max(ROUND, 2 * k));
  let g = ragged(candidatesOf(m, saeIn, norms, base, base, auxTake?.take));
  for (;;) {
    const { f, kept } = await batchSelect(g.values, k, batch); // [R, base]
    const loud = await saturatedRows(g, kept, d_sae);
    if (loud.length > 0) {
      f.dispose();
      g = widenLoud(m, saeIn, norms, g, loud);
      continue;
    }
    if (kept !== null) {
      const lr = m.cfg.topk_threshold_lr;
      m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept;
    }
    g.values.dispose();
    const counts = await keptPerRow(g, f);
    const l = pairLayout(g, counts);
    const shown = fill(Tensor.empty(m.device, [l.P, l.W], "f32", "batchtopk kept"), 0);
    toPairRows(g, f, shown, counts, l);
    f.dispose();
    const latents = fill(Tensor.empty(m.device, [l.P, l.W], "i32", "batchtopk kept latents"), 0);
    toPairRows(g, g.indices, latents, counts, l);
    g.indices.dispose();
    const indices = activeIndices(shown, latents);
    const values = norms ? unscaleAt(shown, latents, norms) : shown;
    latents.dispose();
    return { shown, values, indices, rows: pairRows(m.device, batch, l.rounds), aux: auxTake?.aux ?? null };
  }
}

/** A BatchTopK step through its pairs with the selection in row blocks; `terms` adds loss terms on the pairs. */
export async function batchBlockStep(m: SaeModel, x: Tensor, saeIn: Tensor, ctx: TrainContext,
  terms?: (values: Tensor, indices: Tensor, rows: PairRows) => PairTerms): Promise<TrainStep> {
  const norms = m.cfg.rescale_acts_by_decoder_norm ? decoderNorms(m) : null;
  const p = await batchSelectInBlocks(m, saeIn, norms, ctx);
  const hp = { dSae: m.cfg.d_sae, make: () => denseScores(m, saeIn, norms) };
  const top = { shown: p.shown, values: p.values, indices: p.indices, rows: p.rows };
  const more = terms?.(p.values, p.indices, p.rows) ?? null;
  return sparseTopkStep(m, x, saeIn, { pre: null, hp, norms, aux: p.aux }, top, ctx, more);
}
