// Llama Scope SAEs (conversion "llama_scope", SAELens's llama_scope_sae_huggingface_loader): `<path>/hyperparams.json`
// (d_model, d_sae, hook_point_in, jump_relu_threshold, dataset_average_activation_norm.in) and
// `<path>/checkpoints/final.safetensors` (encoder.weight [d_sae, d_in], decoder.weight [d_in, d_sae], biases). A
// JumpReLU SAE in bfloat16 with one scalar threshold, pre-multiplied by the norm scaling factor
// sqrt(d_in) / average_norm_in because loading folds that factor into W_enc (the release lists it per SAE).
import { intField, need, objField, readJsonObject, readSafetensorsHost, strField, transpose } from "./tensors.ts";
import type { Converter } from "./types.ts";
import { SaeConfigError } from "../errors.ts";

/** The cfg fields SAELens's Llama Scope loaders (plain and R1-distill) both fix. */
export const LLAMA_SCOPE_CFG = {
  model_name: "meta-llama/Llama-3.1-8B",
  hook_head_index: null,
  activation_fn: "relu",
  finetuning_scaling_factor: false,
  sae_lens_training_version: null,
  prepend_bos: true,
  dataset_path: "cerebras/SlimPajama-627B",
  context_size: 1024,
  dataset_trust_remote_code: true,
  apply_b_dec_to_input: false,
  normalize_activations: "expected_average_only_in",
} as const;

export const llamaScope: Converter = {
  files: (_repo, path) => ({
    required: [`${path}/hyperparams.json`, `${path}/checkpoints/final.safetensors`],
    optional: [],
  }),
  async load({ path, overrides, read }) {
    const src = await read(`${path}/hyperparams.json`);
    const file = src.name;
    const old = readJsonObject(src);
    const d_in = intField(old, "d_model", file);
    const avg = objField(old, "dataset_average_activation_norm", file).in;
    const thr = old.jump_relu_threshold;
    if (typeof avg !== "number" || typeof thr !== "number") {
      throw new SaeConfigError(
        `${file}: fields 'dataset_average_activation_norm.in' and 'jump_relu_threshold' must be numbers`,
      );
    }
    const cfg: Record<string, unknown> = {
      architecture: "jumprelu",
      jump_relu_threshold: thr * (d_in ** 0.5 / avg),
      d_in,
      d_sae: intField(old, "d_sae", file),
      dtype: "bfloat16",
      hook_name: strField(old, "hook_point_in", file),
      ...LLAMA_SCOPE_CFG,
      ...overrides,
    };
    const wsrc = await read(`${path}/checkpoints/final.safetensors`);
    const wfile = wsrc.name;
    const w = readSafetensorsHost(wsrc);
    const d_sae = cfg.d_sae as number;
    const tensors = {
      W_enc: transpose(need(w, "encoder.weight", wfile), `${wfile}: encoder.weight`),
      W_dec: transpose(need(w, "decoder.weight", wfile), `${wfile}: decoder.weight`),
      b_enc: need(w, "encoder.bias", wfile),
      b_dec: need(w, "decoder.bias", wfile),
      threshold: { shape: [d_sae], data: new Float32Array(d_sae).fill(cfg.jump_relu_threshold as number) },
    };
    return { cfg, tensors, sparsity: null };
  },
};
