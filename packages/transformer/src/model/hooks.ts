// Hook points: the TransformerLens names of every activation the GPT-2 forward exposes, their shapes, the hook
// function type, and the typed error for a name that does not exist. Not the forward itself (gpt2.ts).
import { SaeError, type Tensor } from "@sae/tensor-core";

/** Per-block hook points, after the "blocks.{L}." prefix, in the order the forward reaches them. */
export const BLOCK_HOOKS = [
  "hook_resid_pre", // [batch, pos, d_model]
  "ln1.hook_normalized", // [batch, pos, d_model]
  "attn.hook_q", // [batch, pos, n_heads, d_head]
  "attn.hook_k", // [batch, pos, n_heads, d_head]
  "attn.hook_v", // [batch, pos, n_heads, d_head]
  "attn.hook_pattern", // [batch, n_heads, query_pos, key_pos]
  "attn.hook_z", // [batch, pos, n_heads, d_head]
  "hook_attn_out", // [batch, pos, d_model]
  "hook_resid_mid", // [batch, pos, d_model]
  "ln2.hook_normalized", // [batch, pos, d_model]
  "mlp.hook_pre", // [batch, pos, d_mlp]
  "mlp.hook_post", // [batch, pos, d_mlp]
  "hook_mlp_out", // [batch, pos, d_model]
  "hook_resid_post", // [batch, pos, d_model]
] as const;

export type BlockHook = (typeof BLOCK_HOOKS)[number];

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

export function hookNamesFor(nLayers: number): string[] {
  const names = ["hook_embed", "hook_pos_embed"];
  for (let l = 0; l < nLayers; l++) for (const h of BLOCK_HOOKS) names.push(`blocks.${l}.${h}`);
  names.push("ln_final.hook_normalized");
  return names;
}

/** The layer a hook fires in: -1 for the embeddings, nLayers for ln_final. Throws UnknownHookError. */
export function hookLayer(name: string, nLayers: number): number {
  if (name === "hook_embed" || name === "hook_pos_embed") return -1;
  if (name === "ln_final.hook_normalized") return nLayers;
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (m && Number(m[1]) < nLayers && (BLOCK_HOOKS as readonly string[]).includes(m[2])) return Number(m[1]);
  throw new UnknownHookError(name, hookNamesFor(nLayers));
}
