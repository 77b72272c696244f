// GPT-Neo (model_type "gpt_neo"; TinyStories models): GPT-2's block with separate q/k/v projections (no biases),
// NO 1/sqrt(d_head) score scale, and layers alternating global and local attention (attention_types, window_size:
// a local query sees window_size keys, itself included). nn.Linear weights; tied unembedding.
import { FormatError } from "@sae/tensor-core";
import { gpt2Arch, type ModelConfig } from "../../model/arch.ts";
import type { HfTensors, ModelParams } from "../../model/params.ts";
import type { ConfigFields, Family } from "../family.ts";

/** attention_types [[["global", "local"], 2]] -> ["global", "local", "global", "local"]. */
function attentionLayers(f: ConfigFields, nLayers: number): string[] {
  const types = f.json.attention_types;
  const layers: string[] = [];
  if (Array.isArray(types)) {
    for (const [kinds, n] of types as [string[], number][]) for (let i = 0; i < n; i++) layers.push(...kinds);
  }
  if (layers.length !== nLayers || layers.some((k) => k !== "global" && k !== "local")) {
    const got = JSON.stringify(types);
    throw new FormatError(`${f.file}: attention_types ${got} do not give ${nLayers} global/local layers`);
  }
  return layers;
}

export const gptNeo: Family = {
  config(f) {
    const dModel = f.int("hidden_size");
    const { nHeads, dHead } = f.heads(dModel, "num_heads");
    const nLayers = f.int("num_layers");
    const dVocab = f.int("vocab_size");
    const window = f.int("window_size", 256);
    const base = gpt2Arch({
      nLayers, dModel, nHeads, dHead, dVocab,
      dMlp: f.int("intermediate_size", 4 * dModel),
      nCtx: f.int("max_position_embeddings"),
      eps: f.num("layer_norm_epsilon", 1e-5),
      bosTokenId: f.bos(dVocab),
    });
    const act = f.oneOf("activation_function", ["gelu_new", "gelu"] as const, "gelu_new");
    const windows = attentionLayers(f, nLayers).map((k) => (k === "local" ? window : 0));
    return { ...base, family: "gpt_neo", eosTokenId: f.eos(base.bosTokenId), act, attnScale: 1, windows };
  },
  params(cfg: ModelConfig, t: HfTensors): ModelParams {
    const { dModel: D, dMlp: M, dVocab: V } = cfg;
    const blocks = Array.from({ length: cfg.nLayers }, (_, l) => {
      const h = `transformer.h.${l}.`;
      const a = h + "attn.attention.";
      return {
        ln1W: t.get(h + "ln_1.weight", [D]),
        ln1B: t.get(h + "ln_1.bias", [D]),
        W_Q: t.linear(a + "q_proj.weight", D, D),
        b_Q: t.biasOrZeros(a + "q_proj.bias", D),
        W_K: t.linear(a + "k_proj.weight", D, D),
        b_K: t.biasOrZeros(a + "k_proj.bias", D),
        W_V: t.linear(a + "v_proj.weight", D, D),
        b_V: t.biasOrZeros(a + "v_proj.bias", D),
        W_O: t.linear(a + "out_proj.weight", D, D),
        b_O: t.get(a + "out_proj.bias", [D]),
        ln2W: t.get(h + "ln_2.weight", [D]),
        ln2B: t.get(h + "ln_2.bias", [D]),
        W_in: t.linear(h + "mlp.c_fc.weight", M, D),
        b_in: t.get(h + "mlp.c_fc.bias", [M]),
        W_out: t.linear(h + "mlp.c_proj.weight", D, M),
        b_out: t.get(h + "mlp.c_proj.bias", [D]),
      };
    });
    const W_E = t.get("transformer.wte.weight", [V, D]);
    return {
      W_E,
      W_pos: t.get("transformer.wpe.weight", [cfg.nCtx, D]),
      blocks,
      lnFW: t.get("transformer.ln_f.weight", [D]),
      lnFB: t.get("transformer.ln_f.bias", [D]),
      W_U_T: t.has("lm_head.weight") ? t.get("lm_head.weight", [V, D]) : W_E,
      b_U: { shape: [V], data: new Float32Array(V) },
    };
  },
};
