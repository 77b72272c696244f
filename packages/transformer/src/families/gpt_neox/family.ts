// GPT-NeoX (model_type "gpt_neox"; Pythia): LayerNorm, partial rotary (rotary_pct of each head, rotate-half layout,
// base rotary_emb_base), parallel attention + MLP (use_parallel_residual), exact gelu, and a fused query_key_value
// whose rows interleave per head: head h's q, k, v are rows [h * 3 d_head, +d_head), [+d_head, +2 d_head),
// [+2 d_head, +3 d_head). Untied embed_out. rope_scaling: linear only.
import type { ModelConfig } from "../../model/arch.ts";
import { FormatError } from "@sae/tensor-core";
import { transposed, type HfTensors, type ModelParams } from "../../model/params.ts";
import type { HostParam } from "../../model/weights.ts";
import { hfArch, type ConfigFields, type Family } from "../family.ts";

/** Rows of the interleaved [n_heads * 3 * d_head, ...] tensor for one part (0 q, 1 k, 2 v), in head order. */
function part(p: HostParam, nHeads: number, dHead: number, which: number): HostParam {
  const cols = p.shape.length === 2 ? p.shape[1] : 1;
  const out = new Float32Array(nHeads * dHead * cols);
  for (let h = 0; h < nHeads; h++) {
    const from = (h * 3 + which) * dHead * cols;
    out.set(p.data.subarray(from, from + dHead * cols), h * dHead * cols);
  }
  return { shape: p.shape.length === 2 ? [nHeads * dHead, cols] : [nHeads * dHead], data: out };
}

/**
 * rope_scaling as transformers 4.44.2's GPT-NeoX reads it ({type, factor}): "linear" divides positions by factor;
 * "dynamic" (NTK) changes nothing up to max_position_embeddings and is refused (we never run past it anyway, but
 * a config asking for it is not checked against HF here).
 */
function linearFactor(f: ConfigFields): number {
  const s = f.json.rope_scaling as Record<string, unknown> | null | undefined;
  if (!s) return 1;
  if (s.type !== "linear") {
    const type = JSON.stringify(s.type);
    throw new FormatError(`${f.file}: GPT-NeoX rope_scaling type ${type} is not supported (only linear)`);
  }
  if (typeof s.factor !== "number" || !(s.factor > 1)) {
    throw new FormatError(`${f.file}: rope_scaling.factor must be a number > 1, got ${JSON.stringify(s.factor)}`);
  }
  return s.factor;
}

export const gptNeox: Family = {
  config(f) {
    const base = hfArch(f, "layer_norm_eps", 1e-5);
    const act = f.oneOf("hidden_act", ["gelu", "gelu_new"] as const, "gelu");
    const rotaryDim = Math.floor(base.dHead * f.num("rotary_pct", 0.25));
    return {
      ...base,
      family: "gpt_neox",
      eosTokenId: f.eos(base.bosTokenId),
      positions: "rotary",
      rotaryDim,
      rotaryBase: f.num("rotary_emb_base", 10000),
      ropeLinearFactor: linearFactor(f),
      act,
      parallel: f.bool("use_parallel_residual", true),
    };
  },
  params(cfg: ModelConfig, t: HfTensors): ModelParams {
    const { dModel: D, dMlp: M, dVocab: V, nHeads: H, dHead: dH } = cfg;
    const blocks = Array.from({ length: cfg.nLayers }, (_, l) => {
      const p = `gpt_neox.layers.${l}.`;
      const W = t.get(p + "attention.query_key_value.weight", [3 * D, D]);
      const b = t.get(p + "attention.query_key_value.bias", [3 * D]);
      const lin = (which: number) => transposed(part(W, H, dH, which));
      return {
        ln1W: t.get(p + "input_layernorm.weight", [D]),
        ln1B: t.get(p + "input_layernorm.bias", [D]),
        W_Q: lin(0),
        b_Q: part(b, H, dH, 0),
        W_K: lin(1),
        b_K: part(b, H, dH, 1),
        W_V: lin(2),
        b_V: part(b, H, dH, 2),
        W_O: t.linear(p + "attention.dense.weight", D, D),
        b_O: t.get(p + "attention.dense.bias", [D]),
        ln2W: t.get(p + "post_attention_layernorm.weight", [D]),
        ln2B: t.get(p + "post_attention_layernorm.bias", [D]),
        W_in: t.linear(p + "mlp.dense_h_to_4h.weight", M, D),
        b_in: t.get(p + "mlp.dense_h_to_4h.bias", [M]),
        W_out: t.linear(p + "mlp.dense_4h_to_h.weight", D, M),
        b_out: t.get(p + "mlp.dense_4h_to_h.bias", [D]),
      };
    });
    return {
      W_E: t.get("gpt_neox.embed_in.weight", [V, D]),
      blocks,
      lnFW: t.get("gpt_neox.final_layer_norm.weight", [D]),
      lnFB: t.get("gpt_neox.final_layer_norm.bias", [D]),
      W_U_T: t.get("embed_out.weight", [V, D]),
      b_U: { shape: [V], data: new Float32Array(V) },
    };
  },
};

