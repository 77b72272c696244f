// Llama Scope R1-distill SAEs (conversion "llama_scope_r1_distill", SAELens's
// llama_scope_r1_distill_sae_huggingface_loader): `<path>/config.json` (d_model, expansion_factor, hook_point_in)
// and `<path>/sae_weights.safetensors` (encoder.weight [d_sae, d_in], decoder.weight [d_in, d_sae], biases,
// log_jumprelu_threshold [d_sae]): a JumpReLU SAE with threshold = exp(log_jumprelu_threshold).
import { WEIGHTS_FILE } from "../checkpoint_bytes.ts";
import { intField, need, readJsonObject, readSafetensorsHost, strField, transpose } from "./tensors.ts";
import { LLAMA_SCOPE_CFG } from "./llama_scope.ts";
import type { Converter } from "./types.ts";

export const llamaScopeR1Distill: Converter = {
  files: (_repo, path) => ({ required: [`${path}/config.json`, `${path}/${WEIGHTS_FILE}`], optional: [] }),
  async load({ path, overrides, read }) {
    const src = await read(`${path}/config.json`);
    const file = src.name;
    const hf = readJsonObject(src);
    const d_in = intField(hf, "d_model", file);
    const cfg = {
      architecture: "jumprelu",
      d_in,
      d_sae: d_in * intField(hf, "expansion_factor", file),
      dtype: "float32",
      hook_name: strField(hf, "hook_point_in", file),
      ...LLAMA_SCOPE_CFG,
      ...overrides,
    };
    const wsrc = await read(`${path}/${WEIGHTS_FILE}`);
    const wfile = wsrc.name;
    const w = readSafetensorsHost(wsrc);
    const logThr = need(w, "log_jumprelu_threshold", wfile);
    const tensors = {
      W_enc: transpose(need(w, "encoder.weight", wfile), `${wfile}: encoder.weight`),
      W_dec: transpose(need(w, "decoder.weight", wfile), `${wfile}: decoder.weight`),
      b_enc: need(w, "encoder.bias", wfile),
      b_dec: need(w, "decoder.bias", wfile),
      threshold: { shape: logThr.shape, data: logThr.data.map(Math.exp) },
    };
    return { cfg, tensors, sparsity: null };
  },
};
