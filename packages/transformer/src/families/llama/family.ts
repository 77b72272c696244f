// Llama (model_type "llama"; also the base of qwen2 and mistral): RMSNorm, rotary on the full head (rope_theta,
// Llama 3 rope_scaling), grouped-query attention (num_key_value_heads), SwiGLU MLP (gate_proj, up_proj, down_proj),
// no biases unless attention_bias / mlp_bias, untied lm_head unless tie_word_embeddings.
import { FormatError } from "@sae/tensor-core";
import type { Llama3RopeScaling, ModelConfig } from "../../model/arch.ts";
import type { BlockParams, HfTensors, ModelParams } from "../../model/params.ts";
import { hfArch, type ConfigFields, type Family } from "../family.ts";

function ropeScaling(f: ConfigFields): Llama3RopeScaling | null {
  const s = f.json.rope_scaling as Record<string, unknown> | null | undefined;
  if (!s) return null;
  const type = s.rope_type ?? s.type;
  if (type === "default") return null;
  if (type !== "llama3") {
    throw new FormatError(`${f.file}: rope_scaling type ${JSON.stringify(type)} is not supported (only llama3)`);
  }
  const num = (k: string) => {
    if (typeof s[k] !== "number") throw new FormatError(`${f.file}: rope_scaling.${k} must be a number`);
    return s[k] as number;
  };
  return {
    factor: num("factor"),
    lowFreqFactor: num("low_freq_factor"),
    highFreqFactor: num("high_freq_factor"),
    originalMaxPositions: num("original_max_position_embeddings"),
  };
}

/** The Llama architecture; qwen2 and mistral start from it. */
export function llamaConfig(f: ConfigFields, family: string): ModelConfig {
  const base = hfArch(f, "rms_norm_eps", 1e-6);
  const { nHeads, dHead } = base;
  const nKvHeads = f.int("num_key_value_heads", nHeads);
  if (nHeads % nKvHeads !== 0) {
    const what = `num_attention_heads ${nHeads} is not a multiple of num_key_value_heads ${nKvHeads}`;
    throw new FormatError(`${f.file}: ${what}`);
  }
  f.oneOf("hidden_act", ["silu"] as const, "silu");
  return {
    ...base,
    family,
    eosTokenId: f.eos(base.bosTokenId),
    nKvHeads,
    norm: "rmsnorm",
    positions: "rotary",
    rotaryDim: dHead,
    rotaryBase: f.num("rope_theta", 10000),
    ropeScaling: ropeScaling(f),
    act: "silu",
    gated: true,
  };
}

/** Llama-layout tensors (model.layers.L.self_attn.q_proj, ..., mlp.gate_proj) -> params; shared by qwen2, mistral. */
export function llamaParams(cfg: ModelConfig, t: HfTensors): ModelParams {
  const { dModel: D, dMlp: M, dVocab: V, nHeads: H, nKvHeads: KV, dHead: dH } = cfg;
  const blocks: BlockParams[] = Array.from({ length: cfg.nLayers }, (_, l) => {
    const p = `model.layers.${l}.`;
    const a = p + "self_attn.";
    return {
      ln1W: t.get(p + "input_layernorm.weight", [D]),
      ln1B: { shape: [D], data: new Float32Array(D) },
      W_Q: t.linear(a + "q_proj.weight", H * dH, D),
      b_Q: t.biasOrZeros(a + "q_proj.bias", H * dH),
      W_K: t.linear(a + "k_proj.weight", KV * dH, D),
      b_K: t.biasOrZeros(a + "k_proj.bias", KV * dH),
      W_V: t.linear(a + "v_proj.weight", KV * dH, D),
      b_V: t.biasOrZeros(a + "v_proj.bias", KV * dH),
      W_O: t.linear(a + "o_proj.weight", D, H * dH),
      b_O: t.biasOrZeros(a + "o_proj.bias", D),
      ln2W: t.get(p + "post_attention_layernorm.weight", [D]),
      ln2B: { shape: [D], data: new Float32Array(D) },
      W_gate: t.linear(p + "mlp.gate_proj.weight", M, D),
      b_gate: t.biasOrZeros(p + "mlp.gate_proj.bias", M),
      W_in: t.linear(p + "mlp.up_proj.weight", M, D),
      b_in: t.biasOrZeros(p + "mlp.up_proj.bias", M),
      W_out: t.linear(p + "mlp.down_proj.weight", D, M),
      b_out: t.biasOrZeros(p + "mlp.down_proj.bias", D),
    };
  });
  const W_E = t.get("model.embed_tokens.weight", [V, D]);
  return {
    W_E,
    blocks,
    lnFW: t.get("model.norm.weight", [D]),
    lnFB: { shape: [D], data: new Float32Array(D) },
    W_U_T: t.has("lm_head.weight") ? t.get("lm_head.weight", [V, D]) : W_E,
    b_U: { shape: [V], data: new Float32Array(V) },
  };
}

export const llama: Family = { config: (f) => llamaConfig(f, "llama"), params: llamaParams };
