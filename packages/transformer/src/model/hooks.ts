// Hook points: the TransformerLens names of every activation the forward exposes (which of them a model has depends
// on its family: rotary, post norms, parallel blocks, gated MLPs), their shapes, the hook function type, and the
// typed error for a name that does not exist. Not the forward itself (hooked_transformer.ts).
import { SaeError, type Tensor } from "@sae/tensor-core";
import type { ModelConfig } from "./arch.ts";

/** Every per-block hook point any family has, after the "blocks.{L}." prefix, in the order the forward reaches them. */
export const BLOCK_HOOKS = [
  "hook_resid_pre", // [batch, pos, d_model]
  "ln1.hook_scale", // [batch, pos, 1]
  "ln1.hook_normalized", // [batch, pos, d_model]
  "attn.hook_q", // [batch, pos, n_heads, d_head]
  "attn.hook_k", // [batch, pos, n_kv_heads, d_head]
  "attn.hook_v", // [batch, pos, n_kv_heads, d_head]
  "attn.hook_rot_q", // [batch, pos, n_heads, d_head]  (rotary families)
  "attn.hook_rot_k", // [batch, pos, n_kv_heads, d_head]  (rotary families)
  "attn.hook_attn_scores", // [batch, n_heads, query_pos, key_pos]  masked entries -3.4e38
  "attn.hook_pattern", // [batch, n_heads, query_pos, key_pos]
  "attn.hook_z", // [batch, pos, n_heads, d_head]
  "ln1_post.hook_scale", // [batch, pos, 1]  (Gemma 2)
  "ln1_post.hook_normalized", // [batch, pos, d_model]  (Gemma 2)
  "hook_attn_out", // [batch, pos, d_model]
  "hook_resid_mid", // [batch, pos, d_model]  (not in parallel blocks)
  "ln2.hook_scale", // [batch, pos, 1]
  "ln2.hook_normalized", // [batch, pos, d_model]
  "mlp.hook_pre", // [batch, pos, d_mlp]  (gated MLPs: the gate, before the activation)
  "mlp.hook_pre_linear", // [batch, pos, d_mlp]  (gated MLPs: x W_in)
  "mlp.hook_post", // [batch, pos, d_mlp]
  "ln2_post.hook_scale", // [batch, pos, 1]  (Gemma 2)
  "ln2_post.hook_normalized", // [batch, pos, d_model]  (Gemma 2)
  "hook_mlp_out", // [batch, pos, d_model]
  "hook_resid_post", // [batch, pos, d_model]
] as const;

export type BlockHook = (typeof BLOCK_HOOKS)[number];

type Arch = Pick<ModelConfig, "positions" | "postNorms" | "parallel" | "gated">;

/** The block hooks a model of this architecture has. */
export function blockHooksFor(a: Arch): BlockHook[] {
  return BLOCK_HOOKS.filter((h) => {
    if (h === "attn.hook_rot_q" || h === "attn.hook_rot_k") return a.positions === "rotary";
    if (h.startsWith("ln1_post.") || h.startsWith("ln2_post.")) return a.postNorms;
    if (h === "hook_resid_mid") return !a.parallel;
    if (h === "mlp.hook_pre_linear") return a.gated;
    return true;
  });
}

/** Where a hook fires: the layer (-1 before the blocks, nLayers after them) and the KV-cache offset. */
export interface HookContext {
  name: string;
  layer: number;
  /** Position of the first query token (nonzero during cached generation). */
  posOffset: number;
}

/** Reads an activation, or returns a tensor of the same shape that replaces it (the model then owns that tensor). */
export type HookFn = (act: Tensor, ctx: HookContext) => Tensor | void | Promise<Tensor | void>;

/** A hook name that the model does not have; the message lists the valid names. */
export class UnknownHookError extends SaeError {
  readonly hookName: string;
  constructor(name: string, valid: readonly string[]) {
    super(`unknown hook point "${name}"; valid names: ${valid.join(", ")}`);
    this.hookName = name;
  }
}

/** Every hook name of a model with nLayers blocks (all block hooks, or those of the given architecture). */
export function hookNamesFor(nLayers: number, arch?: Arch): string[] {
  const names = ["hook_embed"];
  if (!arch || arch.positions === "learned") names.push("hook_pos_embed");
  const block = arch ? blockHooksFor(arch) : BLOCK_HOOKS;
  for (let l = 0; l < nLayers; l++) for (const h of block) names.push(`blocks.${l}.${h}`);
  names.push("ln_final.hook_scale", "ln_final.hook_normalized");
  return names;
}

/**
 * The layer a hook fires in: -1 for the embeddings, nLayers for ln_final. Throws UnknownHookError for a name the
 * architecture (default: any family) does not have.
 */
export function hookLayer(name: string, nLayers: number, arch?: Arch): number {
  if (name === "hook_embed" || (name === "hook_pos_embed" && (!arch || arch.positions === "learned"))) return -1;
  if (name === "ln_final.hook_normalized" || name === "ln_final.hook_scale") return nLayers;
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  const block: readonly string[] = arch ? blockHooksFor(arch) : BLOCK_HOOKS;
  if (m && Number(m[1]) < nLayers && block.includes(m[2])) return Number(m[1]);
  throw new UnknownHookError(name, hookNamesFor(nLayers, arch));
}
