// Pair rows of a sparse step whose rows hold different counts of pairs (BatchTopK: a loud row keeps many more of
// the batch's selection than the others). The pairs are [P, W]: pair rows 0..batch are the batch rows themselves
// (each row's first W pairs), and a row with more than W pairs continues in extra pair rows batch..P, laid out in
// rounds (round t: the t-th extra pair row of every row that has one, rows ascending). So the pairs grow with the
// loud rows' extra pairs only, not with batch x (the most kept in a row). The decode sums a row's pair rows back
// into its batch row (bias once); the backward reads each pair row's batch row through rowOf (expand). The identity
// (no extra rows) costs nothing: every op is the plain one. Not an architecture.
import { copyWindow, fill, gatherRows, saeAxpby, saeScatter, scatterRows, sparseDecode, Tensor, type Device } from
  "@sae/tensor-core";
import { disposeAll } from "./common.ts";

/** Round t's pair rows at..at + ids.size hold more pairs of batch rows ids [n] i32 (pos [n]: at..at + n). */
interface Round {
  at: number;
  ids: Tensor;
  pos: Tensor;
}

export interface PairRows {
  batch: number;
  rowOf: Tensor | null; // [P] i32: the batch row of each pair row; null when P = batch (identity)
  rounds: Round[];
  dispose(): void;
}

/** The identity: pair row r is batch row r. */
export function plainRows(batch: number): PairRows {
  return { batch, rowOf: null, rounds: [], dispose: () => {} };
}

/** rounds[t]: the batch rows (ascending) with a (t + 2)-th pair row. */
export function pairRows(device: Device, batch: number, rounds: number[][]): PairRows {
  const used = rounds.filter((r) => r.length > 0);
  if (used.length === 0) return plainRows(batch);
  const rowOf = Array.from({ length: batch }, (_, r) => r);
  const out: Round[] = used.map((ids) => {
    const at = rowOf.length;
    rowOf.push(...ids);
    const pos = Int32Array.from(ids, (_, i) => at + i);
    return { at, ids: Tensor.from(device, [ids.length], Int32Array.from(ids), "pair round rows"),
      pos: Tensor.from(device, [ids.length], pos, "pair round positions") };
  });
  const map = Tensor.from(device, [rowOf.length], Int32Array.from(rowOf), "pair rows: batch row");
  return {
    batch, rowOf: map, rounds: out,
    dispose: () => disposeAll([map, ...out.flatMap((r) => [r.ids, r.pos])]),
  };
}

/** dst[ids[n]] += src[n] (ids distinct); src is consumed. */
function addRows(dst: Tensor, ids: Tensor, src: Tensor): void {
  const cur = gatherRows(dst, ids);
  const sum = saeAxpby(cur, src, null, 1, 1, 0);
  scatterRows(dst, ids, sum);
  disposeAll([cur, sum, src]);
}

/** [batch, d_in]: sum over each batch row's pairs of value * W[latent], plus bias (values, indices [P, W]). */
export function decodeRows(p: PairRows, values: Tensor, indices: Tensor, W: Tensor, bias: Tensor): Tensor {
  if (!p.rowOf) return sparseDecode(values, indices, W, { bias });
  const partial = sparseDecode(values, indices, W); // [P, d_in], no bias
  const out = saeAxpby(partial.rows(0, p.batch), null, bias, 1, 0, 1);
  for (const r of p.rounds) addRows(out, r.ids, gatherRows(partial, r.pos));
  partial.dispose();
  return out;
}

/** t [batch, C] -> [P, C], pair row i reading t[rowOf[i]]; t itself for the identity (dispose only if !== t). */
export function expandRows(p: PairRows, t: Tensor): Tensor {
  return p.rowOf ? gatherRows(t, p.rowOf) : t;
}

/** Rows at..at + n of a [P, W] tensor as a new [n, W] tensor (f32 or i32). */
function roundOf(t: Tensor, at: number, n: number): Tensor {
  const W = t.shape[1];
  const out = Tensor.empty(t.device, [n, W], t.dtype, "pair round");
  copyWindow(t, { r0: at, c0: 0, stride: W }, out, { r0: 0, c0: 0, stride: W }, n, W);
  return out;
}

/** Dense f [batch, dSae] from the pairs (zeros elsewhere; a row's pairs hold distinct latents). */
export function denseRows(p: PairRows, values: Tensor, indices: Tensor, dSae: number): Tensor {
  const f = fill(Tensor.empty(values.device, [p.batch, dSae], "f32", "pair acts"), 0);
  if (!p.rowOf) return saeScatter(values, indices, f, false);
  saeScatter(values.rows(0, p.batch), indices.rows(0, p.batch), f, false);
  for (const r of p.rounds) {
    const n = r.ids.size;
    const [cur, v, i] = [gatherRows(f, r.ids), roundOf(values, r.at, n), roundOf(indices, r.at, n)];
    saeScatter(v, i, cur, false);
    scatterRows(f, r.ids, cur);
    disposeAll([cur, v, i]);
  }
  return f;
}
