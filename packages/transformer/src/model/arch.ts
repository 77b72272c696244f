// ModelConfig: the architecture facts the shared forward pass (hooked_transformer.ts) reads, for every model family.
// It extends GPT-2's config (same field names, so code written for GPT-2 reads any family); each family's folder
// under src/families/ turns a config.json into one. Not the parsing itself (families/*) nor the weights (params.ts).
import type { Gpt2Config } from "./config.ts";

/** Llama 3's rope_scaling (rope_type "llama3"): low frequencies divided by factor, a smooth band in between. */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface ModelConfig extends Gpt2Config {
  /** config.json's model_type: the family that parsed it. */
  family: string;
  /** The id generation stops at (stopAtEos): eos_token_id (its first entry when a list), else the BOS id. */
  eosTokenId: number;
  /** Key/value heads (grouped-query attention when fewer than nHeads). */
  nKvHeads: number;
  norm: "layernorm" | "rmsnorm";
  /** learned: W_pos added to the embedding; rotary: q and k rotated (no hook_pos_embed). */
  positions: "learned" | "rotary";
  /** Rotated dims of each head (GPT-NeoX rotary_pct * d_head); 0 without rotary. */
  rotaryDim: number;
  rotaryBase: number;
  ropeScaling: Llama3RopeScaling | null;
  /** GPT-NeoX rope_scaling type "linear": positions divided by this factor before the angles; 1 = none. */
  ropeLinearFactor: number;
  /** MLP activation: gelu_new = tanh gelu (GPT-2, GPT-Neo, Gemma 2's gelu_pytorch_tanh), gelu = exact erf gelu. */
  act: "gelu_new" | "gelu" | "silu";
  /** Gated MLP: act(x W_gate) * (x W_in), then W_out (SwiGLU / GeGLU). */
  gated: boolean;
  /** Attention and MLP both read resid_pre and add to it (GPT-NeoX use_parallel_residual). */
  parallel: boolean;
  /** Multiplies q.k: 1 / sqrt(d_head) in most families, 1 in GPT-Neo, query_pre_attn_scalar^-0.5 in Gemma 2. */
  attnScale: number;
  /** cap * tanh(score / cap) before masking (Gemma 2); 0 = none. */
  attnSoftcap: number;
  /** cap * tanh(logit / cap) on the final logits (Gemma 2); 0 = none. */
  finalSoftcap: number;
  /** Per layer: the sliding window (keys a query sees, itself included), 0 = global attention. */
  windows: number[];
  /** A second norm after attention and after the MLP, before the residual add (Gemma 2's ln1_post, ln2_post). */
  postNorms: boolean;
}

/** GPT-2's architecture on top of its parsed config: the defaults every other family starts from. */
export function gpt2Arch(base: Gpt2Config): ModelConfig {
  return {
    ...base,
    family: "gpt2",
    eosTokenId: base.bosTokenId,
    nKvHeads: base.nHeads,
    norm: "layernorm",
    positions: "learned",
    rotaryDim: 0,
    rotaryBase: 10000,
    ropeScaling: null,
    ropeLinearFactor: 1,
    act: "gelu_new",
    gated: false,
    parallel: false,
    attnScale: 1 / Math.sqrt(base.dHead),
    attnSoftcap: 0,
    finalSoftcap: 0,
    windows: new Array<number>(base.nLayers).fill(0),
    postNorms: false,
  };
}
