// The GPT-2 attention kernels' TS wrappers: embedding lookup, QKV split, masked causal pattern, weighted values,
// and the KV-cache append. Shapes are checked here; the sublayer that strings them together is in gpt2.ts.
// These are model-specific kernels (head layout, KV stride, padding mask), so they live beside the model.
import { LimitError, ShapeError, Tensor, fmt, params, type Device } from "@sae/tensor-core";
import embedSource from "./embed.wgsl" with { type: "text" };
import splitSource from "./attn_split.wgsl" with { type: "text" };
import patternSource from "./attn_pattern.wgsl" with { type: "text" };
import zSource from "./attn_z.wgsl" with { type: "text" };
import appendSource from "./kv_append.wgsl" with { type: "text" };

const WG = 64;
const kernels = {
  embed: { name: "gpt2_embed", source: embedSource },
  split: { name: "gpt2_attn_split", source: splitSource },
  pattern: { name: "gpt2_attn_pattern", source: patternSource },
  z: { name: "gpt2_attn_z", source: zSource },
  append: { name: "gpt2_kv_append", source: appendSource },
} as const;

const grid = (device: Device, n: number) => device.grid(Math.ceil(n / WG));

/** Keys/values as attention reads them: a buffer of `stride` rows per batch, the first `keys` of them valid. */
export interface KeyValues {
  k: Tensor; // [batch, stride, n_heads, d_head]
  v: Tensor; // [batch, stride, n_heads, d_head]
  mask: Tensor<"i32">; // [batch, stride]  1 = attend, 0 = padding
  keys: number;
}

/** tokens i32 [batch, pos] -> hook_embed, hook_pos_embed [batch, pos, d_model], positions posOffset.. . */
export function embed(tokens: Tensor<"i32">, W_E: Tensor, W_pos: Tensor, posOffset: number): { embed: Tensor; posEmbed: Tensor } {
  const [batch, pos] = tokens.shape;
  const [nCtx, dModel] = W_pos.shape;
  if (posOffset + pos > nCtx) throw new LimitError(`gpt2 embed: positions ${posOffset}..${posOffset + pos - 1} exceed n_ctx ${nCtx}`);
  const device = tokens.device;
  const out = Tensor.empty(device, [batch, pos, dModel], "f32", "hook_embed");
  const posEmbed = Tensor.empty(device, [batch, pos, dModel], "f32", "hook_pos_embed");
  const n = out.size;
  device.run(kernels.embed, {
    buffers: [tokens.buffer, W_E.buffer, W_pos.buffer, out.buffer, posEmbed.buffer],
    params: params(n, dModel, pos, posOffset),
    workgroups: grid(device, n),
  });
  return { embed: out, posEmbed };
}

/** qkv [batch, pos, 3 * d_model] -> q, k, v [batch, pos, n_heads, d_head]. */
export function splitQkv(qkv: Tensor, nHeads: number): { q: Tensor; k: Tensor; v: Tensor } {
  const [batch, pos, three] = qkv.shape;
  if (three % 3 !== 0 || (three / 3) % nHeads !== 0) throw new ShapeError(`splitQkv: qkv ${fmt(qkv.shape)} does not split into 3 x ${nHeads} heads`);
  const dModel = three / 3;
  const shape = [batch, pos, nHeads, dModel / nHeads];
  const device = qkv.device;
  const [q, k, v] = ["hook_q", "hook_k", "hook_v"].map((l) => Tensor.empty(device, shape, "f32", l));
  const n = q.size;
  device.run(kernels.split, { buffers: [qkv.buffer, q.buffer, k.buffer, v.buffer], params: params(n, dModel), workgroups: grid(device, n) });
  return { q, k, v };
}

/** q [batch, pos, n_heads, d_head] against kv -> pattern [batch, n_heads, pos, keys] (causal, padding-masked). */
export function attnPattern(q: Tensor, kv: KeyValues, posOffset: number): Tensor {
  const [batch, pos, nHeads, dHead] = q.shape;
  const stride = kv.k.shape[1];
  if (kv.k.shape[0] !== batch || kv.k.shape[2] !== nHeads || kv.k.shape[3] !== dHead || kv.keys > stride || posOffset + pos > kv.keys) {
    throw new ShapeError(`attnPattern: q ${fmt(q.shape)} with k ${fmt(kv.k.shape)} (${kv.keys} valid keys, posOffset ${posOffset})`);
  }
  if (kv.mask.shape[0] !== batch || kv.mask.shape[1] !== stride) throw new ShapeError(`attnPattern: mask ${fmt(kv.mask.shape)}, expected [${batch}, ${stride}]`);
  const device = q.device;
  const pattern = Tensor.empty(device, [batch, nHeads, pos, kv.keys], "f32", "hook_pattern");
  const rows = batch * nHeads * pos;
  device.run(kernels.pattern, {
    buffers: [q.buffer, kv.k.buffer, kv.mask.buffer, pattern.buffer],
    params: params(rows, nHeads, pos, kv.keys, stride, dHead, posOffset, { f32: 1 / Math.sqrt(dHead) }),
    workgroups: grid(device, rows),
  });
  return pattern;
}

/** pattern [batch, n_heads, pos, keys] x v -> z [batch, pos, n_heads, d_head]. */
export function attnZ(pattern: Tensor, kv: KeyValues): Tensor {
  const [batch, nHeads, pos, keys] = pattern.shape;
  const [, stride, , dHead] = kv.v.shape;
  if (kv.v.shape[0] !== batch || kv.v.shape[2] !== nHeads || keys !== kv.keys) throw new ShapeError(`attnZ: pattern ${fmt(pattern.shape)} with v ${fmt(kv.v.shape)}`);
  const device = pattern.device;
  const z = Tensor.empty(device, [batch, pos, nHeads, dHead], "f32", "hook_z");
  device.run(kernels.z, { buffers: [pattern.buffer, kv.v.buffer, z.buffer], params: params(z.size, nHeads, pos, keys, stride, dHead), workgroups: grid(device, z.size) });
  return z;
}

/** Copies src [batch, pos, n_heads, d_head] into cache [batch, stride, n_heads, d_head] at rows posOffset.. . */
export function kvAppend(src: Tensor, cache: Tensor, posOffset: number): void {
  const [batch, pos, nHeads, dHead] = src.shape;
  const stride = cache.shape[1];
  if (cache.shape[0] !== batch || cache.shape[2] !== nHeads || cache.shape[3] !== dHead || posOffset + pos > stride) {
    throw new ShapeError(`kvAppend: ${fmt(src.shape)} at row ${posOffset} does not fit cache ${fmt(cache.shape)}`);
  }
  const device = src.device;
  device.run(kernels.append, {
    buffers: [src.buffer, cache.buffer],
    params: params(src.size, nHeads * dHead, pos, stride, posOffset),
    workgroups: grid(device, src.size),
  });
}
