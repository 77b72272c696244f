// Attention ops for decoder-only transformers (GPT-2 layout): token + position embedding, fused-QKV split, the
// causal, padding-masked attention pattern over a key buffer (fresh keys or a KV cache with `stride` rows per
// batch), the attention-weighted values, and the KV-cache append. Heads are laid out [batch, pos, n_heads, d_head].
// Not here: the projections (matmul) and the sublayer that strings these together (the model package). Over one
// binding: blocks of batch items (batch_blocks.ts), attention also of heads and query rows when one item is over
// (attn_blocks.ts), embedWithPositions and splitQkv of positions; kvAppend as a window copy (blocks.ts copyWindow).
// CPU references with the same names: cpu/attention.ts.
import { params, type Device } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { scoresByBlocks, zByBlocks } from "./attn_blocks.ts";
import { byBatch } from "./batch_blocks.ts";
import { copyWindow, overBinding, ranges } from "./blocks.ts";
import embedSrc from "./attention_embed.wgsl" with { type: "text" };
import splitSrc from "./attention_split.wgsl" with { type: "text" };
import patternSrc from "./attention_pattern.wgsl" with { type: "text" };
import zSrc from "./attention_z.wgsl" with { type: "text" };
import appendSrc from "./attention_kv_append.wgsl" with { type: "text" };

const WG = 64;
const K = {
  embed: { name: "attention_embed", source: embedSrc },
  split: { name: "attention_split", source: splitSrc },
  pattern: { name: "attention_pattern", source: patternSrc },
  z: { name: "attention_z", source: zSrc },
  append: { name: "attention_kv_append", source: appendSrc },
};

const grid = (dev: Device, n: number) => dev.grid(Math.ceil(n / WG));

function rank(op: string, name: string, t: Tensor, n: number, dims: string): void {
  if (t.shape.length !== n) throw new ShapeError(`${op}: ${name} must be ${dims}, got ${fmt(t.shape)}`);
}

/**
 * tokens i32 [batch, pos], W_E [d_vocab, d_model], W_pos [n_ctx, d_model] -> embed, posEmbed [batch, pos, d_model]
 * with positions posOffset.. . Token ids outside [0, d_vocab) give zero rows.
 */
export function embedWithPositions(tokens: Tensor, W_E: Tensor, W_pos: Tensor, posOffset: number, opts: { out?: Tensor; posOut?: Tensor } = {}): { embed: Tensor; posEmbed: Tensor } {
  const op = "embedWithPositions";
  const dev = deviceOf(op, tokens, W_E, W_pos);
  checkDType(op, "tokens", tokens, "i32");
  checkDType(op, "W_E", W_E, "f32");
  checkDType(op, "W_pos", W_pos, "f32");
  rank(op, "tokens", tokens, 2, "[batch, pos]");
  rank(op, "W_E", W_E, 2, "[d_vocab, d_model]");
  rank(op, "W_pos", W_pos, 2, "[n_ctx, d_model]");
  const [batch, pos] = tokens.shape;
  const [dVocab, dModel] = W_E.shape;
  const [nCtx] = W_pos.shape;
  if (W_pos.shape[1] !== dModel) throw new ShapeError(`${op}: W_E ${fmt(W_E.shape)} and W_pos ${fmt(W_pos.shape)} differ in d_model`);
  if (!Number.isInteger(posOffset) || posOffset < 0 || posOffset + pos > nCtx) {
    throw new LimitError(`${op}: positions ${posOffset}..${posOffset + pos - 1} exceed n_ctx ${nCtx}`);
  }
  const embed = output(op, dev, [batch, pos, dModel], "f32", opts.out);
  const posEmbed = output(op, dev, [batch, pos, dModel], "f32", opts.posOut);
  for (const o of [embed, posEmbed]) checkNoAlias(op, o, { tokens, W_E, W_pos });
  if (embed.storage === posEmbed.storage) throw new ShapeError(`${op}: out and posOut share a buffer`);
  const room = dev.maxBinding - 2 * dev.limits.minStorageBufferOffsetAlignment;
  if (pos > 1 && embed.byteLength / batch > room) {
    // one item over one binding: blocks of its positions (ids copied, outputs copied back)
    const per = Math.max(1, Math.floor(room / (dModel * 4)));
    for (let b = 0; b < batch; b++) {
      for (const [t0, t1] of ranges(pos, per)) {
        const ids = Tensor.empty(dev, [1, t1 - t0], "i32", `${op} ids block`);
        copyWindow(tokens, { r0: b, c0: t0, stride: pos }, ids, { r0: 0, c0: 0, stride: t1 - t0 }, 1, t1 - t0);
        const e = embedWithPositions(ids, W_E, W_pos, posOffset + t0);
        const to = { r0: b * pos + t0, c0: 0, stride: dModel };
        copyWindow(e.embed, { r0: 0, c0: 0, stride: dModel }, embed, to, t1 - t0, dModel);
        copyWindow(e.posEmbed, { r0: 0, c0: 0, stride: dModel }, posEmbed, to, t1 - t0, dModel);
        for (const t of [ids, e.embed, e.posEmbed]) t.dispose();
      }
    }
    return { embed, posEmbed };
  }
  const split = ([e, p]: Tensor[], [tb]: Tensor[]) => void embedWithPositions(tb, W_E, W_pos, posOffset, { out: e, posOut: p });
  if (byBatch(op, [embed, posEmbed], [tokens, W_E, W_pos], split, [true, false, false])) return { embed, posEmbed };
  const n = embed.size;
  if (n > 0) {
    dev.run(K.embed, {
      buffers: [tokens.binding, W_E.binding, W_pos.binding, embed.binding, posEmbed.binding],
      params: params(n, dModel, pos, posOffset, dVocab),
      workgroups: grid(dev, n),
    });
  }
  return { embed, posEmbed };
}

/** qkv [batch, pos, 3 * d_model] -> q, k, v [batch, pos, n_heads, d_head] (d_model = n_heads * d_head). */
export function splitQkv(qkv: Tensor, nHeads: number, opts: { q?: Tensor; k?: Tensor; v?: Tensor } = {}): { q: Tensor; k: Tensor; v: Tensor } {
  const op = "splitQkv";
  const dev = deviceOf(op, qkv);
  checkDType(op, "qkv", qkv, "f32");
  rank(op, "qkv", qkv, 3, "[batch, pos, 3 * d_model]");
  const [batch, pos, three] = qkv.shape;
  if (!(Number.isInteger(nHeads) && nHeads > 0) || three % 3 !== 0 || (three / 3) % nHeads !== 0) {
    throw new ShapeError(`${op}: qkv ${fmt(qkv.shape)} does not split into 3 x ${nHeads} heads`);
  }
  const dModel = three / 3;
  const shape = [batch, pos, nHeads, dModel / nHeads];
  const q = output(op, dev, shape, "f32", opts.q);
  const k = output(op, dev, shape, "f32", opts.k);
  const v = output(op, dev, shape, "f32", opts.v);
  for (const o of [q, k, v]) checkNoAlias(op, o, { qkv });
  if (q.storage === k.storage || q.storage === v.storage || k.storage === v.storage) throw new ShapeError(`${op}: q, k and v outputs must be separate buffers`);
  const room = dev.maxBinding - 2 * dev.limits.minStorageBufferOffsetAlignment;
  if (pos > 1 && qkv.byteLength / batch > room) {
    // one item over one binding: positions as batch items (the split is per position)
    const rows = (t: Tensor) => t.reshape([batch * pos, 1, ...t.shape.slice(2)]);
    splitQkv(rows(qkv), nHeads, { q: rows(q), k: rows(k), v: rows(v) });
    return { q, k, v };
  }
  const split = ([qb, kb, vb]: Tensor[], [x]: Tensor[]) => void splitQkv(x, nHeads, { q: qb, k: kb, v: vb });
  if (byBatch(op, [q, k, v], [qkv], split)) return { q, k, v }; // over one binding: blocks of batch items
  const n = q.size;
  if (n > 0) dev.run(K.split, { buffers: [qkv.binding, q.binding, k.binding, v.binding], params: params(n, dModel), workgroups: grid(dev, n) });
  return { q, k, v };
}

export interface AttnPatternOptions {
  /** Valid key rows in k (<= stride); query i attends to keys j <= posOffset + i. */
  keys: number;
  /** Position of the first query row (the number of keys cached before it). */
  posOffset: number;
  out?: Tensor;
}

/**
 * q [batch, pos, n_heads, d_head], k [batch, stride, n_heads, d_head], mask i32 [batch, stride] (1 = attend,
 * 0 = padding) -> pattern [batch, n_heads, pos, keys]: softmax(q.k / sqrt(d_head)) over the causal, unmasked keys;
 * every other entry is exactly 0.
 */
export function attnPattern(q: Tensor, k: Tensor, mask: Tensor, opts: AttnPatternOptions): Tensor {
  const op = "attnPattern";
  const dev = deviceOf(op, q, k, mask);
  checkDType(op, "q", q, "f32");
  checkDType(op, "k", k, "f32");
  checkDType(op, "mask", mask, "i32");
  rank(op, "q", q, 4, "[batch, pos, n_heads, d_head]");
  rank(op, "k", k, 4, "[batch, stride, n_heads, d_head]");
  const [batch, pos, nHeads, dHead] = q.shape;
  const stride = k.shape[1];
  const { keys, posOffset } = opts;
  const badKeys = !Number.isInteger(keys) || !Number.isInteger(posOffset) || posOffset < 0 || keys > stride || posOffset + pos > keys;
  if (k.shape[0] !== batch || k.shape[2] !== nHeads || k.shape[3] !== dHead || badKeys) {
    throw new ShapeError(`${op}: q ${fmt(q.shape)} with k ${fmt(k.shape)} (${keys} valid keys, posOffset ${posOffset})`);
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== stride) throw new ShapeError(`${op}: mask ${fmt(mask.shape)}, expected [${batch}, ${stride}]`);
  const pattern = output(op, dev, [batch, nHeads, pos, keys], "f32", opts.out);
  checkNoAlias(op, pattern, { q, k, mask });
  const split = (o: Tensor, qb: Tensor, kb: Tensor, mb: Tensor, at: number) => {
    attnPattern(qb, kb, mb, { keys, posOffset: at, out: o });
  };
  if (scoresByBlocks(op, pattern, q, k, mask, posOffset, split)) return pattern;
  const rows = batch * nHeads * pos;
  if (rows > 0 && keys > 0) {
    dev.run(K.pattern, {
      buffers: [q.binding, k.binding, mask.binding, pattern.binding],
      params: params(rows, nHeads, pos, keys, stride, dHead, posOffset, { f32: 1 / Math.sqrt(dHead) }),
      workgroups: grid(dev, rows),
    });
  }
  return pattern;
}

/** pattern [batch, n_heads, pos, keys] x v [batch, stride, n_heads, d_head] (keys <= stride) -> z [batch, pos, n_heads, d_head]. */
export function attnZ(pattern: Tensor, v: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const op = "attnZ";
  const dev = deviceOf(op, pattern, v);
  checkDType(op, "pattern", pattern, "f32");
  checkDType(op, "v", v, "f32");
  rank(op, "pattern", pattern, 4, "[batch, n_heads, pos, keys]");
  rank(op, "v", v, 4, "[batch, stride, n_heads, d_head]");
  const [batch, nHeads, pos, keys] = pattern.shape;
  const [, stride, , dHead] = v.shape;
  if (v.shape[0] !== batch || v.shape[2] !== nHeads || keys > stride) throw new ShapeError(`${op}: pattern ${fmt(pattern.shape)} with v ${fmt(v.shape)}`);
  const z = output(op, dev, [batch, pos, nHeads, dHead], "f32", opts.out);
  checkNoAlias(op, z, { pattern, v });
  if (zByBlocks(op, z, pattern, v, (o, pb, vb) => void attnZ(pb, vb, { out: o }))) return z;
  if (z.size > 0) dev.run(K.z, { buffers: [pattern.binding, v.binding, z.binding], params: params(z.size, nHeads, pos, keys, stride, dHead), workgroups: grid(dev, z.size) });
  return z;
}

/** Copies src [batch, pos, n_heads, d_head] into cache [batch, stride, n_heads, d_head] at rows posOffset.. ; returns cache. */
export function kvAppend(src: Tensor, cache: Tensor, posOffset: number): Tensor {
  const op = "kvAppend";
  const dev = deviceOf(op, src, cache);
  checkDType(op, "src", src, "f32");
  checkDType(op, "cache", cache, "f32");
  rank(op, "src", src, 4, "[batch, pos, n_heads, d_head]");
  rank(op, "cache", cache, 4, "[batch, stride, n_heads, d_head]");
  const [batch, pos, nHeads, dHead] = src.shape;
  const stride = cache.shape[1];
  const badOffset = !Number.isInteger(posOffset) || posOffset < 0 || posOffset + pos > stride;
  if (cache.shape[0] !== batch || cache.shape[2] !== nHeads || cache.shape[3] !== dHead || badOffset) {
    throw new ShapeError(`${op}: ${fmt(src.shape)} at row ${posOffset} does not fit cache ${fmt(cache.shape)}`);
  }
  checkNoAlias(op, cache, { src });
  if (src.size > 0 && overBinding(dev, src, cache)) {
    // over one binding: the same rows as a strided window copy, in as many dispatches as keep each range within one
    const [item, row] = [pos * nHeads * dHead, nHeads * dHead];
    if (item * 4 <= dev.maxBinding - 2 * dev.limits.minStorageBufferOffsetAlignment) {
      const to = { r0: 0, c0: posOffset * row, stride: stride * row };
      copyWindow(src, { r0: 0, c0: 0, stride: item }, cache, to, batch, item);
      return cache;
    }
    for (let b = 0; b < batch; b++) {
      // one item over: its positions as rows
      const to = { r0: b * stride + posOffset, c0: 0, stride: row };
      copyWindow(src, { r0: b * pos, c0: 0, stride: row }, cache, to, pos, row);
    }
    return cache;
  }
  if (src.size > 0) {
    dev.run(K.append, { buffers: [src.binding, cache.binding], params: params(src.size, nHeads * dHead, pos, stride, posOffset), workgroups: grid(dev, src.size) });
  }
  return cache;
}
