// Gemma 2 (model_type "gemma2"): the Llama layout plus an embedding scale sqrt(d_model) (folded into W_E here, as
// TransformerLens does; the tied unembedding keeps the unscaled matrix), RMSNorm by (1 + w) (stored here as 1 + w),
// pre and post norms around attention and the MLP, GeGLU with tanh gelu, scores scaled by query_pre_attn_scalar^-0.5
// and soft-capped (attn_logit_softcapping) before masking, a sliding window on even layers, and soft-capped final
// logits (final_logit_softcapping).
import { FormatError } from "@sae/tensor-core";
import type { ModelConfig } from "../../model/arch.ts";
import type { HfTensors, ModelParams } from "../../model/params.ts";
import type { HostParam } from "../../model/weights.ts";
import { ConfigFields, type Family } from "../family.ts";
import { llamaConfig, llamaParams } from "../llama/family.ts";

const onePlus = (p: HostParam): HostParam => ({ shape: [...p.shape], data: p.data.map((w) => 1 + w) });

export const gemma2: Family = {
  config(f): ModelConfig {
    const act = f.str("hidden_activation", f.str("hidden_act", "gelu_pytorch_tanh"));
    if (act !== "gelu_pytorch_tanh") {
      throw new FormatError(`${f.file}: hidden_activation "${act}" is not supported for gemma2`);
    }
    const base = llamaConfig(new ConfigFields({ ...f.json, hidden_act: "silu" }, f.file), "gemma2");
    const window = f.json.sliding_window === null || f.json.sliding_window === undefined ? 0 : f.int("sliding_window");
    const cap = (k: string) => (f.json[k] === null || f.json[k] === undefined ? 0 : f.num(k));
    return {
      ...base,
      act: "gelu_new",
      attnScale: 1 / Math.sqrt(f.num("query_pre_attn_scalar", base.dHead)),
      attnSoftcap: cap("attn_logit_softcapping"),
      finalSoftcap: cap("final_logit_softcapping"),
      windows: Array.from({ length: base.nLayers }, (_, l) => (l % 2 === 0 ? window : 0)),
      postNorms: true,
    };
  },
  params(cfg: ModelConfig, t: HfTensors): ModelParams {
    const p = llamaParams(cfg, t);
    const D = cfg.dModel;
    const scale = Math.fround(Math.sqrt(D));
    const zero = () => ({ shape: [D], data: new Float32Array(D) });
    const blocks = p.blocks.map((b, l) => {
      const n = `model.layers.${l}.`;
      return {
        ...b,
        ln1W: onePlus(b.ln1W),
        ln1PostW: onePlus(t.get(n + "post_attention_layernorm.weight", [D])),
        ln1PostB: zero(),
        ln2W: onePlus(t.get(n + "pre_feedforward_layernorm.weight", [D])),
        ln2PostW: onePlus(t.get(n + "post_feedforward_layernorm.weight", [D])),
        ln2PostB: zero(),
      };
    });
    const W_E = { shape: [...p.W_E.shape], data: p.W_E.data.map((w) => w * scale) };
    return { ...p, W_E, blocks, lnFW: onePlus(p.lnFW) };
  },
};
