// Attention for every model family (ops/attention.ts keeps GPT-2's fused pattern): pre-softmax scores with any
// scale, attention soft-capping (Gemma 2), sliding windows (Mistral, Gemma 2, GPT-Neo local layers), padding and
// KV-cache offsets, over grouped-query keys (n_heads a multiple of the key heads); and the weighted values over
// grouped values. The softmax between them is softmax.ts (masked scores are float32's min, so they get weight 0).
// Over one binding: blocks of batch items, or of heads and query rows when one item is over (attn_blocks.ts).
// CPU references with the same names: cpu/attn_grouped.ts.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { scoresByBlocks, zByBlocks } from "./attn_blocks.ts";
import scoresSrc from "./attn_scores.wgsl" with { type: "text" };
import zSrc from "./attn_grouped_z.wgsl" with { type: "text" };

const K = { scores: { name: "attn_scores", source: scoresSrc }, z: { name: "attn_grouped_z", source: zSrc } };

export interface AttnScoresOptions {
  /** Valid key rows in k (<= stride); query i sits at position posOffset + i. */
  keys: number;
  posOffset: number;
  /** Multiplies q.k (1 / sqrt(d_head) in most families). */
  scale: number;
  /** Soft cap: cap * tanh(s / cap) after scaling; 0 or undefined = none. */
  softcap?: number;
  /** Sliding window: a query sees the `window` latest keys, itself included; 0 or undefined = all. */
  window?: number;
  out?: Tensor;
}

function groupOf(op: string, nHeads: number, kvHeads: number): number {
  if (kvHeads <= 0 || nHeads % kvHeads !== 0) {
    throw new ShapeError(`${op}: ${nHeads} query heads are not a multiple of ${kvHeads} key/value heads`);
  }
  return nHeads / kvHeads;
}

/**
 * q [batch, pos, n_heads, d_head], k [batch, stride, n_kv_heads, d_head], mask i32 [batch, stride] (1 = attend)
 * -> scores [batch, n_heads, pos, keys]; masked entries are -3.4028235e38.
 */
export function attnScores(q: Tensor, k: Tensor, mask: Tensor, opts: AttnScoresOptions): Tensor {
  const op = "attnScores";
  const dev = deviceOf(op, q, k, mask);
  checkDType(op, "q", q, "f32");
  checkDType(op, "k", k, "f32");
  checkDType(op, "mask", mask, "i32");
  if (q.shape.length !== 4 || k.shape.length !== 4) {
    throw new ShapeError(`${op}: q ${fmt(q.shape)} and k ${fmt(k.shape)} must be 4-D`);
  }
  const [batch, pos, nHeads, dHead] = q.shape;
  const stride = k.shape[1];
  const { keys, posOffset } = opts;
  const group = groupOf(op, nHeads, k.shape[2]);
  const badKeys =
    !Number.isInteger(keys) || !Number.isInteger(posOffset) || posOffset < 0 || keys > stride || posOffset + pos > keys;
  if (k.shape[0] !== batch || k.shape[3] !== dHead || badKeys) {
    const what = `q ${fmt(q.shape)} with k ${fmt(k.shape)}`;
    throw new ShapeError(`${op}: ${what} (${keys} valid keys, posOffset ${posOffset})`);
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== stride) {
    throw new ShapeError(`${op}: mask ${fmt(mask.shape)}, expected [${batch}, ${stride}]`);
  }
  const window = opts.window ?? 0;
  if (!Number.isInteger(window) || window < 0) {
    throw new ShapeError(`${op}: window must be a non-negative integer, got ${window}`);
  }
  const cap = opts.softcap ?? 0;
  const scores = output(op, dev, [batch, nHeads, pos, keys], "f32", opts.out);
  checkNoAlias(op, scores, { q, k, mask });
  const split = (o: Tensor, qb: Tensor, kb: Tensor, mb: Tensor, at: number) => {
    attnScores(qb, kb, mb, { ...opts, keys, posOffset: at, out: o });
  };
  if (scoresByBlocks(op, scores, q, k, mask, posOffset, split)) return scores; // over one binding: blocks
  const n = scores.size;
  if (n > 0) {
    dev.run(K.scores, {
      buffers: [q.binding, k.binding, mask.binding, scores.binding],
      params: params(n, nHeads, pos, keys, stride, dHead, posOffset, group, { f32: opts.scale }, { f32: cap }, window),
      workgroups: dev.grid(Math.ceil(n / 64)),
    });
  }
  return scores;
}

/**
 * pattern [batch, n_heads, pos, keys] x v [batch, stride, n_kv_heads, d_head] (keys <= stride)
 * -> z [batch, pos, n_heads, d_head].
 */
export function attnZGrouped(pattern: Tensor, v: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const op = "attnZGrouped";
  const dev = deviceOf(op, pattern, v);
  checkDType(op, "pattern", pattern, "f32");
  checkDType(op, "v", v, "f32");
  if (pattern.shape.length !== 4 || v.shape.length !== 4) {
    throw new ShapeError(`${op}: pattern ${fmt(pattern.shape)} and v ${fmt(v.shape)} must be 4-D`);
  }
  const [batch, nHeads, pos, keys] = pattern.shape;
  const [, stride, kvHeads, dHead] = v.shape;
  const group = groupOf(op, nHeads, kvHeads);
  if (v.shape[0] !== batch || keys > stride) {
    throw new ShapeError(`${op}: pattern ${fmt(pattern.shape)} with v ${fmt(v.shape)}`);
  }
  const z = output(op, dev, [batch, pos, nHeads, dHead], "f32", opts.out);
  checkNoAlias(op, z, { pattern, v });
  if (zByBlocks(op, z, pattern, v, (o, pb, vb) => void attnZGrouped(pb, vb, { out: o }))) return z;
  if (z.size > 0) {
    dev.run(K.z, {
      buffers: [pattern.binding, v.binding, z.binding],
      params: params(z.size, nHeads, pos, keys, stride, dHead, group),
      workgroups: dev.grid(Math.ceil(z.size / 64)),
    });
  }
  return z;
}
