// GPT-2's attention pieces as the model calls them: embedding lookup, QKV split, masked causal pattern, weighted
// values and the KV-cache append, over a KeyValues view (fresh keys or a cache). The kernels are tensor-core's
// attention ops; this file only binds them to the model's KV layout and names the results after their hooks.
// The sublayer that strings them together is in gpt2.ts.
import {
  attnPattern as patternOp,
  attnZ as zOp,
  embedWithPositions,
  kvAppend as appendOp,
  ShapeError,
  fmt,
  splitQkv as splitOp,
  type Tensor,
} from "@sae/tensor-core";

/** Keys/values as attention reads them: a buffer of `stride` rows per batch, the first `keys` of them valid. */
export interface KeyValues {
  k: Tensor; // [batch, stride, n_heads, d_head]
  v: Tensor; // [batch, stride, n_heads, d_head]
  mask: Tensor<"i32">; // [batch, stride]  1 = attend, 0 = padding
  keys: number;
}

function named<T extends Tensor>(t: T, label: string): T {
  t.label = label;
  return t;
}

/** tokens i32 [batch, pos] -> hook_embed, hook_pos_embed [batch, pos, d_model], positions posOffset.. . */
export function embed(tokens: Tensor<"i32">, W_E: Tensor, W_pos: Tensor, posOffset: number): { embed: Tensor; posEmbed: Tensor } {
  const e = embedWithPositions(tokens, W_E, W_pos, posOffset);
  return { embed: named(e.embed, "hook_embed"), posEmbed: named(e.posEmbed, "hook_pos_embed") };
}

/** qkv [batch, pos, 3 * d_model] -> q, k, v [batch, pos, n_heads, d_head]. */
export function splitQkv(qkv: Tensor, nHeads: number): { q: Tensor; k: Tensor; v: Tensor } {
  const s = splitOp(qkv, nHeads);
  return { q: named(s.q, "hook_q"), k: named(s.k, "hook_k"), v: named(s.v, "hook_v") };
}

/** q [batch, pos, n_heads, d_head] against kv -> pattern [batch, n_heads, pos, keys] (causal, padding-masked). */
export function attnPattern(q: Tensor, kv: KeyValues, posOffset: number): Tensor {
  return named(patternOp(q, kv.k, kv.mask, { keys: kv.keys, posOffset }), "hook_pattern");
}

/** pattern [batch, n_heads, pos, keys] x v -> z [batch, pos, n_heads, d_head]. */
export function attnZ(pattern: Tensor, kv: KeyValues): Tensor {
  if (pattern.shape[3] !== kv.keys) throw new ShapeError(`attnZ: pattern ${fmt(pattern.shape)} has ${pattern.shape[3]} keys, kv has ${kv.keys}`);
  return named(zOp(pattern, kv.v), "hook_z");
}

/** Copies src [batch, pos, n_heads, d_head] into cache [batch, stride, n_heads, d_head] at rows posOffset.. . */
export function kvAppend(src: Tensor, cache: Tensor, posOffset: number): void {
  appendOp(src, cache, posOffset);
}
