// Attention over one binding when one batch item is over it (a long sequence: 16 heads x 4096 x 4096 scores are
// 1 GiB): for each batch item, blocks of heads (whole key/value groups under grouped-query attention) and, when one
// head is still over, blocks of query rows. Each block runs the op itself on compact copies of its q (or z's
// pattern) rows and heads, its key/value heads over the first `keys` rows and the item's mask. Query rows i0..i1
// are the same op at posOffset + i0, so causal and window masks, soft caps and GQA stay exact. A block of scores or
// pattern is one contiguous range (a head block spans all rows, a row block one head): it is bound in place when
// it starts aligned (row blocks step by the aligned count) and copied otherwise. Items that fit go in blocks of
// batch items (batch_blocks.ts); ops call this only when something is over, so nothing else changes.
import type { Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { byBatch } from "./batch_blocks.ts";
import { alignedStep, copyWindow, overBinding, ranges } from "./blocks.ts";

/** Heads [h0, h1) and query rows [i0, i1) of batch item b. */
interface Block {
  b: number;
  h0: number;
  h1: number;
  i0: number;
  i1: number;
}

interface Dims {
  batch: number;
  nHeads: number;
  kvHeads: number;
  pos: number;
  keys: number;
  stride: number;
  dHead: number;
}

/** Whether blocks of whole batch items work (what byBatch needs: one item of each tensor within one binding). */
function itemFits(device: Device, batch: number, ts: Tensor[]): boolean {
  const room = device.maxBinding - 2 * device.limits.minStorageBufferOffsetAlignment;
  return ts.every((t) => t.byteLength / batch <= room);
}

/** Blocks of heads x query rows of every batch item, sized so that each block's tensors fit one binding. */
function plan(op: string, device: Device, d: Dims): Block[] {
  const room = device.maxBinding - 2 * device.limits.minStorageBufferOffsetAlignment;
  const group = d.nHeads / d.kvHeads;
  const width = Math.max(d.keys, d.dHead) * 4; // one head's query row: scores over keys, q or z over d_head
  const kvBytes = d.keys * d.dHead * 4; // one key/value head over the valid keys
  let heads = 1;
  let rows = d.pos;
  if (kvBytes > room || d.keys * 4 > room) {
    const what = `one head's keys (${d.keys} x d_head ${d.dHead})`;
    throw new LimitError(`${op}: ${what} do not fit one binding of ${device.maxBinding} bytes`);
  }
  const groups = Math.min(Math.floor(room / (group * d.pos * width)), Math.floor(room / kvBytes));
  if (groups >= 1) heads = Math.min(d.nHeads, groups * group);
  else {
    rows = Math.floor(room / width);
    if (rows < 1) {
      const what = `one query row of one head (${d.keys} keys, d_head ${d.dHead})`;
      throw new LimitError(`${op}: ${what} does not fit one binding of ${device.maxBinding} bytes`);
    }
    const step = alignedStep(device, [d.keys * 4]);
    if (rows >= step) rows = Math.floor(rows / step) * step;
    rows = Math.min(rows, d.pos);
  }
  const out: Block[] = [];
  for (let b = 0; b < d.batch; b++) {
    for (const [h0, h1] of ranges(d.nHeads, heads)) {
      for (const [i0, i1] of ranges(d.pos, rows)) out.push({ b, h0, h1, i0, i1 });
    }
  }
  return out;
}

/** The block's range of x [batch, n_heads, pos, keys] as a view when it starts aligned, else undefined. */
function view(x: Tensor, d: Dims, k: Block): Tensor | undefined {
  const first = ((k.b * d.nHeads + k.h0) * d.pos + k.i0) * d.keys;
  const n = (k.h1 - k.h0) * (k.i1 - k.i0);
  if ((x.byteOffset + first * 4) % x.device.limits.minStorageBufferOffsetAlignment !== 0) return undefined;
  const rows = x.reshape([x.size / d.keys, d.keys]).rows(first / d.keys, first / d.keys + n);
  return rows.reshape([1, k.h1 - k.h0, k.i1 - k.i0, d.keys]);
}

/** x [batch, n_heads, pos, keys] as a [batch * n_heads, pos * keys] matrix: the block's window. */
const headWindow = (d: Dims, k: Block) => ({ r0: k.b * d.nHeads + k.h0, c0: k.i0 * d.keys, stride: d.pos * d.keys });

/** A copy [1, keys, kv heads, d_head] of the block's key/value heads over the first `keys` rows of item b. */
function kvBlock(x: Tensor, d: Dims, k: Block, op: string): Tensor {
  const group = d.nHeads / d.kvHeads;
  const [k0, k1] = [Math.floor(k.h0 / group), Math.ceil(k.h1 / group)];
  const t = Tensor.empty(x.device, [1, d.keys, k1 - k0, d.dHead], "f32", `${op} kv block`);
  const from = { r0: k.b * d.stride, c0: k0 * d.dHead, stride: d.kvHeads * d.dHead };
  copyWindow(x, from, t, { r0: 0, c0: 0, stride: (k1 - k0) * d.dHead }, d.keys, (k1 - k0) * d.dHead);
  return t;
}

/** Runs `each` over the blocks, handing it the item's key/value block (copied once per batch item and head block). */
function forBlocks(op: string, kv: Tensor, d: Dims, each: (k: Block, kvb: Tensor) => void): void {
  let held: { b: number; h0: number; t: Tensor } | undefined;
  for (const k of plan(op, kv.device, d)) {
    if (held?.b !== k.b || held.h0 !== k.h0) {
      held?.t.dispose();
      held = { b: k.b, h0: k.h0, t: kvBlock(kv, d, k, op) };
    }
    each(k, held.t);
  }
  held?.t.dispose();
}

export type ScoresRun = (out: Tensor, q: Tensor, k: Tensor, mask: Tensor, posOffset: number) => void;

/**
 * attnScores / attnPattern over one binding: out [batch, n_heads, pos, keys] from q [batch, pos, n_heads, d_head],
 * k [batch, stride, n_kv_heads, d_head], mask [batch, stride]. False (nothing run) when everything fits.
 */
export function scoresByBlocks(
  op: string,
  out: Tensor,
  q: Tensor,
  k: Tensor,
  mask: Tensor,
  posOffset: number,
  run: ScoresRun,
): boolean {
  const device = out.device;
  if (!overBinding(device, out, q, k, mask)) return false;
  const [batch, nHeads, pos, keys] = out.shape;
  if (itemFits(device, batch, [out, q, k, mask])) {
    return byBatch(op, [out], [q, k, mask], ([o], [qb, kb, mb]) => run(o, qb, kb, mb, posOffset));
  }
  const d: Dims = { batch, nHeads, kvHeads: k.shape[2], pos, keys, stride: k.shape[1], dHead: q.shape[3] };
  let maskOf: { b: number; t: Tensor } | undefined;
  forBlocks(op, k, d, (blk, kb) => {
    if (maskOf?.b !== blk.b) {
      maskOf?.t.dispose();
      const t = Tensor.empty(device, [1, keys], "i32", `${op} mask block`);
      copyWindow(mask, { r0: blk.b, c0: 0, stride: d.stride }, t, { r0: 0, c0: 0, stride: keys }, 1, keys);
      maskOf = { b: blk.b, t };
    }
    const [heads, rows] = [blk.h1 - blk.h0, blk.i1 - blk.i0];
    const qb = Tensor.empty(device, [1, rows, heads, d.dHead], "f32", `${op} q block`);
    const from = { r0: blk.b * pos + blk.i0, c0: blk.h0 * d.dHead, stride: nHeads * d.dHead };
    copyWindow(q, from, qb, { r0: 0, c0: 0, stride: heads * d.dHead }, rows, heads * d.dHead);
    const inPlace = view(out, d, blk);
    const ob = inPlace ?? Tensor.empty(device, [1, heads, rows, keys], "f32", `${op} out block`);
    run(ob, qb, kb, maskOf.t, posOffset + blk.i0);
    if (!inPlace) {
      copyWindow(ob, { r0: 0, c0: 0, stride: rows * keys }, out, headWindow(d, blk), heads, rows * keys);
      ob.dispose();
    }
    qb.dispose();
  });
  maskOf?.t.dispose();
  return true;
}

/**
 * attnZ / attnZGrouped over one binding: z [batch, pos, n_heads, d_head] from pattern [batch, n_heads, pos, keys]
 * and v [batch, stride, n_kv_heads, d_head]. False (nothing run) when everything fits.
 */
export function zByBlocks(
  op: string,
  z: Tensor,
  pattern: Tensor,
  v: Tensor,
  run: (z: Tensor, pattern: Tensor, v: Tensor) => void,
): boolean {
  const device = z.device;
  if (!overBinding(device, z, pattern, v)) return false;
  const [batch, nHeads, pos, keys] = pattern.shape;
  if (itemFits(device, batch, [z, pattern, v])) {
    return byBatch(op, [z], [pattern, v], ([o], [pb, vb]) => run(o, pb, vb));
  }
  const d: Dims = { batch, nHeads, kvHeads: v.shape[2], pos, keys, stride: v.shape[1], dHead: v.shape[3] };
  forBlocks(op, v, d, (blk, vb) => {
    const [heads, rows] = [blk.h1 - blk.h0, blk.i1 - blk.i0];
    let pb = view(pattern, d, blk);
    const copied = pb === undefined;
    if (!pb) {
      pb = Tensor.empty(device, [1, heads, rows, keys], "f32", `${op} pattern block`);
      copyWindow(pattern, headWindow(d, blk), pb, { r0: 0, c0: 0, stride: rows * keys }, heads, rows * keys);
    }
    const zb = Tensor.empty(device, [1, rows, heads, d.dHead], "f32", `${op} z block`);
    run(zb, pb, vb);
    const to = { r0: blk.b * pos + blk.i0, c0: blk.h0 * d.dHead, stride: nHeads * d.dHead };
    copyWindow(zb, { r0: 0, c0: 0, stride: heads * d.dHead }, z, to, rows, heads * d.dHead);
    zb.dispose();
    if (copied) pb.dispose();
  });
  return true;
}
