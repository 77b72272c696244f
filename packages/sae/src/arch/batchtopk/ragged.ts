// BatchTopK's row-blocked candidates (candidates.ts) with per-row widths: every row keeps its first `base`
// candidates; the loud rows (whose last candidate could still be selected, blocks.ts) keep `width` (up to d_sae),
// padded with EXCLUDED to `span` * base. All in one [R, base] matrix in row order, a loud row over `span` consecutive
// rows, so the candidates' flat order among equal values is the dense scores' (lower row, then lower latent):
// batchTopk over it picks what it picks over [batch, d_sae] once no row's kept values can run past its candidates.
// Memory: (batch + loud * (span - 1)) * base. The kept values of a row are a prefix of its candidates, so the pairs
// come out in pair rows (pairLayout): a width the quiet rows fit in, a loud row over several rows. Not an
// architecture.
import { copyWindow, fill, gatherRows, rowSum, saeActBackward, Tensor } from "@sae/tensor-core";
import { disposeAll } from "../common.ts";
import type { Candidates } from "./candidates.ts";

export interface Ragged {
  values: Tensor; // [R, base] scores, each row's candidates in row order
  indices: Tensor; // [R, base] i32, their latents
  batch: number;
  base: number; // candidates of every row
  loud: number[]; // batch rows with `width` candidates, ascending
  width: number; // the loud rows' candidates (base when none)
  span: number; // layout rows per loud row: ceil(width / base)
}

/** Batch rows r0..r1 at layout row q; `loud` is the index in Ragged.loud of a loud row (r1 = r0 + 1), else -1. */
interface Segment {
  r0: number;
  r1: number;
  q: number;
  loud: number;
}

function segments(batch: number, loud: number[], span: number): Segment[] {
  const out: Segment[] = [];
  let [r, q] = [0, 0];
  loud.forEach((l, i) => {
    if (l > r) out.push({ r0: r, r1: l, q, loud: -1 });
    q += l - r;
    out.push({ r0: l, r1: l + 1, q, loud: i });
    [r, q] = [l + 1, q + span];
  });
  if (r < batch) out.push({ r0: r, r1: batch, q, loud: -1 });
  return out;
}

/** Layout row of batch row r. */
function startOf(g: Ragged, r: number): number {
  return r + g.loud.filter((l) => l < r).length * (g.span - 1);
}

/** Every row's `base` candidates [batch, base], no loud rows yet. */
export function ragged(c: Candidates): Ragged {
  const [batch, base] = c.values.shape;
  return { values: c.values, indices: c.indices, batch, base, loud: [], width: base, span: 1 };
}

/**
 * g with `loud` (ascending, g.loud among them) taking their candidates from block [loud, span * base] (`width` real
 * columns); g's and block's tensors are consumed.
 */
export function relayout(g: Ragged, loud: number[], width: number, block: Candidates): Ragged {
  const { batch, base } = g;
  const span = block.values.shape[1] / base;
  const R = batch + loud.length * (span - 1);
  const next: Ragged = {
    values: Tensor.empty(g.values.device, [R, base], "f32", "batchtopk candidates"),
    indices: Tensor.empty(g.values.device, [R, base], "i32", "batchtopk candidate latents"),
    batch, base, loud, width, span,
  };
  const at = (r0: number) => ({ r0, c0: 0, stride: base });
  for (const s of segments(batch, loud, span)) {
    for (const [from, to] of [[g.values, next.values], [g.indices, next.indices]] as const) {
      if (s.loud < 0) copyWindow(from, at(startOf(g, s.r0)), to, at(s.q), s.r1 - s.r0, base);
    }
    if (s.loud >= 0) {
      copyWindow(block.values, at(s.loud * span), next.values, at(s.q), span, base);
      copyWindow(block.indices, at(s.loud * span), next.indices, at(s.q), span, base);
    }
  }
  disposeAll([g.values, g.indices, block.values, block.indices]);
  return next;
}

/** Batch rows whose last candidate is positive and >= kept and that have fewer than d_sae candidates. */
export async function saturatedRows(g: Ragged, kept: number | null, d_sae: number): Promise<number[]> {
  if (kept === null) return [];
  const { batch, base } = g;
  const loudAt = new Map(g.loud.map((l) => [l, true]));
  const last = Int32Array.from({ length: batch }, (_, r) =>
    startOf(g, r) * base + (loudAt.has(r) ? g.width : base) - 1);
  const ids = Tensor.from(g.values.device, [batch], last);
  const lastT = gatherRows(g.values.reshape([g.values.size, 1]), ids); // [batch, 1]
  const v = await lastT.read();
  disposeAll([ids, lastT]);
  const open = (r: number) => (loudAt.has(r) ? g.width : base) < d_sae;
  return Array.from({ length: batch }, (_, r) => r).filter((r) => v[r] > 0 && v[r] >= kept && open(r));
}

/** Kept values per batch row: positives of f [R, base] (the selection over g.values) in each row's candidates. */
export async function keptPerRow(g: Ragged, f: Tensor): Promise<number[]> {
  const ones = fill(Tensor.empty(f.device, f.shape, "f32", "batchtopk ones"), 1);
  const mask = saeActBackward("mask", ones, f); // [R, base] 1 where kept
  ones.dispose();
  const sums = rowSum(mask); // [R]
  mask.dispose();
  const s = await sums.read();
  sums.dispose();
  const out = new Array<number>(g.batch).fill(0);
  for (const seg of segments(g.batch, g.loud, g.span)) {
    if (seg.loud < 0) for (let r = seg.r0; r < seg.r1; r++) out[r] = Math.round(s[seg.q + r - seg.r0]);
    else for (let j = 0; j < g.span; j++) out[seg.r0] += Math.round(s[seg.q + j]);
  }
  return out;
}

/** Most pair rows a row takes: the pair width is at least (the most kept in a row) / this. */
const MAX_PIECES = 16;

/**
 * Pair rows (arch/pair_rows.ts) for the kept counts per batch row: width W the most kept in a quiet (not loud) row
 * (at least 1 and the most kept / MAX_PIECES), so quiet rows take one pair row; a row keeping c > W takes
 * ceil(c / W), its t-th extra in rounds[t - 1] at row at[t - 1] + (its place in that round).
 */
export interface PairLayout {
  W: number;
  P: number; // pair rows: batch + the extra rows
  rounds: number[][]; // batch rows with a (t + 2)-th pair row, ascending
  at: Array<Map<number, number>>; // batch row -> its pair row, per round
}

export function pairLayout(g: Ragged, kept: number[]): PairLayout {
  const loud = new Set(g.loud);
  const max = (a: number, b: number) => Math.max(a, b);
  const quiet = kept.filter((_, r) => !loud.has(r)).reduce(max, 0);
  const W = Math.max(1, quiet, Math.ceil(kept.reduce(max, 0) / MAX_PIECES));
  const rounds: number[][] = [];
  kept.forEach((c, r) => {
    for (let t = 1; t * W < c; t++) (rounds[t - 1] ??= []).push(r);
  });
  let P = g.batch;
  const at = rounds.map((ids) => {
    const m = new Map(ids.map((r, i) => [r, P + i]));
    P += ids.length;
    return m;
  });
  return { W, P, rounds, at };
}

/**
 * dst [P, W] (zeroed) from src [R, base] laid out as g (f or g.indices): each row's kept prefix (kept[r] values) in
 * its pair rows as `l` lays them out; quiet rows copy min(W, base) columns (past the kept ones f is 0).
 */
export function toPairRows(g: Ragged, src: Tensor, dst: Tensor, kept: number[], l: PairLayout): void {
  const { base } = g;
  const W = l.W;
  for (const s of segments(g.batch, g.loud, g.span)) {
    if (s.loud < 0) {
      copyWindow(src, { r0: s.q, c0: 0, stride: base }, dst, { r0: s.r0, c0: 0, stride: W }, s.r1 - s.r0,
        Math.min(W, base));
      continue;
    }
    const c = kept[s.r0];
    for (let t = 0; t * W < c; t++) {
      const row = t === 0 ? s.r0 : (l.at[t - 1].get(s.r0) as number);
      copyWindow(src, { r0: 0, c0: s.q * base + t * W, stride: W }, dst, { r0: row, c0: 0, stride: W }, 1,
        Math.min(W, c - t * W));
    }
  }
}
