// One transformer block of any family, as the forward (hooked_transformer.ts) runs it, emitting TransformerLens hook
// points on the way: norm (LayerNorm / RMSNorm, with hook_scale), q/k/v projections with their biases, rotary,
// grouped-query attention with scale, soft cap and sliding window, optional post norms (Gemma 2), sequential or
// parallel residual (GPT-NeoX), plain or gated MLP.
import {
  activate,
  add,
  attnScores,
  attnZGrouped,
  gelu,
  mul,
  normScale,
  rotary,
  softmax,
  Tensor,
} from "@sae/tensor-core";
import type { ModelConfig } from "./arch.ts";
import { attnPattern, kvAppend } from "./attention.ts";
import { linear, type DeviceBlock, type Weight } from "./device_weights.ts";

export type { DeviceBlock };

/** Per-layer key/value buffers for cached generation: [batch, stride, n_kv_heads, d_head] each. */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  mask: Tensor<"i32">; // [batch, stride]
}

/** Passes an activation through its hook point: returns it (or the hook's replacement), kept if asked for. */
export type Emit = (name: string, layer: number, t: Tensor) => Promise<Tensor>;

export interface BlockRun {
  cfg: ModelConfig;
  layer: number;
  w: DeviceBlock;
  x: Tensor; // [batch, pos, d_model]  resid_pre, already emitted
  mask: Tensor<"i32">; // [batch, stride]
  kv?: KvCache;
  posOffset: number;
  rot: { cos: Tensor; sin: Tensor } | null; // [pos, rotary_dim / 2]
  emit: Emit;
  track: <T extends Tensor>(t: T) => T;
  /** Whether a hook point is hooked or kept (an unobserved hook_attn_scores lets plain attention fuse its softmax). */
  observed: (name: string) => boolean;
}

/** A norm with its hook_scale [batch, pos, 1] and hook_normalized. `name` is e.g. "blocks.0.ln1" or "ln_final". */
export async function runNorm(
  cfg: ModelConfig,
  name: string,
  layer: number,
  x: Tensor,
  w: Tensor,
  b: Tensor,
  emit: Emit,
): Promise<Tensor> {
  const { out, scale } = normScale(x, w, b, { rms: cfg.norm === "rmsnorm", eps: cfg.eps });
  await emit(`${name}.hook_scale`, layer, scale);
  return emit(`${name}.hook_normalized`, layer, out);
}

/** x [batch, pos, d_in] @ W + b as a fresh [batch, pos, heads, d_head] tensor. */
function projectHeads(x: Tensor, W: Weight, b: Tensor, heads: number, dHead: number): Tensor {
  const [B, P] = x.shape;
  const out = Tensor.empty(x.device, [B, P, heads, dHead], "f32", "heads");
  linear(x, W, { bias: b, out: out.reshape([B, P, heads * dHead]) });
  return out;
}

/** Attention that tensor-core's fused GPT-2 pattern kernel computes: one key head per query head, scale
 * 1 / sqrt(d_head), no soft cap, no window. */
function plainAttention(cfg: ModelConfig, layer: number): boolean {
  const scale = 1 / Math.sqrt(cfg.dHead);
  return cfg.nKvHeads === cfg.nHeads && cfg.attnSoftcap === 0 && cfg.windows[layer] === 0 && cfg.attnScale === scale;
}

async function attention(r: BlockRun, h: Tensor, p: string): Promise<Tensor> {
  const { cfg, layer: l, w, emit, track, kv, posOffset, mask } = r;
  const [B, P] = h.shape;
  let q = await emit(p + "attn.hook_q", l, projectHeads(h, w.W_Q, w.b_Q, cfg.nHeads, cfg.dHead));
  let k = await emit(p + "attn.hook_k", l, projectHeads(h, w.W_K, w.b_K, cfg.nKvHeads, cfg.dHead));
  const v = await emit(p + "attn.hook_v", l, projectHeads(h, w.W_V, w.b_V, cfg.nKvHeads, cfg.dHead));
  if (r.rot) {
    q = await emit(p + "attn.hook_rot_q", l, rotary(q, r.rot.cos, r.rot.sin, { rotaryDim: cfg.rotaryDim }));
    k = await emit(p + "attn.hook_rot_k", l, rotary(k, r.rot.cos, r.rot.sin, { rotaryDim: cfg.rotaryDim }));
  }
  let keysK = k;
  let keysV = v;
  let keys = P;
  if (kv) {
    kvAppend(k, kv.k[l], posOffset);
    kvAppend(v, kv.v[l], posOffset);
    [keysK, keysV, keys] = [kv.k[l], kv.v[l], posOffset + P];
  }
  let pattern: Tensor;
  if (plainAttention(cfg, l) && !r.observed(p + "attn.hook_attn_scores")) {
    // GPT-2's fused kernel: the same masked softmax(q.k / sqrt(d_head)) without the scores pass
    pattern = await emit(p + "attn.hook_pattern", l, attnPattern(q, { k: keysK, v: keysV, mask, keys }, posOffset));
  } else {
    const scoreOpts = { keys, posOffset, scale: cfg.attnScale, softcap: cfg.attnSoftcap, window: cfg.windows[l] };
    const scores = await emit(p + "attn.hook_attn_scores", l, attnScores(q, keysK, mask, scoreOpts));
    pattern = await emit(p + "attn.hook_pattern", l, softmax(scores));
  }
  const z = await emit(p + "attn.hook_z", l, attnZGrouped(pattern, keysV));
  let out: Tensor = linear(z.reshape([B, P, cfg.nHeads * cfg.dHead]), w.W_O, { bias: w.b_O });
  if (w.ln1PostW && w.ln1PostB) out = await runNorm(cfg, p + "ln1_post", l, track(out), w.ln1PostW, w.ln1PostB, emit);
  return emit(p + "hook_attn_out", l, out);
}

async function mlp(r: BlockRun, h: Tensor, p: string): Promise<Tensor> {
  const { cfg, layer: l, w, emit, track } = r;
  const act = (t: Tensor) => (cfg.act === "gelu_new" ? gelu(t) : activate(t, cfg.act === "gelu" ? "gelu_erf" : "silu"));
  let post: Tensor;
  if (cfg.gated && w.W_gate && w.b_gate) {
    const pre = await emit(p + "mlp.hook_pre", l, linear(h, w.W_gate, { bias: w.b_gate }));
    const lin = await emit(p + "mlp.hook_pre_linear", l, linear(h, w.W_in, { bias: w.b_in }));
    post = await emit(p + "mlp.hook_post", l, mul(track(act(pre)), lin));
  } else {
    const pre = await emit(p + "mlp.hook_pre", l, linear(h, w.W_in, { bias: w.b_in }));
    post = await emit(p + "mlp.hook_post", l, act(pre));
  }
  let out: Tensor = linear(post, w.W_out, { bias: w.b_out });
  if (w.ln2PostW && w.ln2PostB) out = await runNorm(cfg, p + "ln2_post", l, track(out), w.ln2PostW, w.ln2PostB, emit);
  return emit(p + "hook_mlp_out", l, out);
}

/** resid_pre -> resid_post (emitted) for block r.layer. */
export async function runBlock(r: BlockRun): Promise<Tensor> {
  const { cfg, layer: l, w, emit, track } = r;
  const p = `blocks.${l}.`;
  const x = r.x;
  const h1 = await runNorm(cfg, p + "ln1", l, x, w.ln1W, w.ln1B, emit);
  const attnOut = await attention(r, h1, p);
  if (cfg.parallel) {
    const h2 = await runNorm(cfg, p + "ln2", l, x, w.ln2W, w.ln2B, emit);
    const mlpOut = await mlp(r, h2, p);
    return emit(p + "hook_resid_post", l, add(track(add(x, attnOut)), mlpOut));
  }
  const mid = await emit(p + "hook_resid_mid", l, add(x, attnOut));
  const h2 = await runNorm(cfg, p + "ln2", l, mid, w.ln2W, w.ln2B, emit);
  const mlpOut = await mlp(r, h2, p);
  return emit(p + "hook_resid_post", l, add(mid, mlpOut));
}
