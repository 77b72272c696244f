// DeepSeek-R1-Distill-Llama-8B SAEs by qresearch (conversion "deepseek_r1", SAELens's
// deepseek_r1_sae_huggingface_loader): one torch file `<path>` (encoder.weight [d_sae, d_in], decoder.weight
// [d_in, d_sae], encoder.bias, decoder.bias). The config is fixed (d_in 4096, d_sae 65536, bfloat16) except the
// layer, read from `lN` in the file name.
import { SaeConfigError } from "../errors.ts";
import { need, readTorchHost, transpose } from "./tensors.ts";
import type { Converter } from "./types.ts";

/** SAELens's get_deepseek_r1_config_from_hf. */
export function deepseekR1Config(path: string, overrides: Record<string, unknown>): Record<string, unknown> {
  const m = /l(\d+)/.exec(path);
  if (!m) throw new SaeConfigError(`${path}: deepseek_r1: could not find the layer number (lN) in the file name`);
  return {
    architecture: "standard",
    d_in: 4096,
    d_sae: 4096 * 16,
    dtype: "bfloat16",
    context_size: 1024,
    model_name: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
    hook_name: `blocks.${Number(m[1])}.hook_resid_post`,
    hook_head_index: null,
    prepend_bos: true,
    dataset_path: "lmsys/lmsys-chat-1m",
    dataset_trust_remote_code: true,
    sae_lens_training_version: null,
    activation_fn: "relu",
    normalize_activations: "none",
    apply_b_dec_to_input: false,
    finetuning_scaling_factor: false,
    ...overrides,
  };
}

export const deepseekR1: Converter = {
  files: (_repo, path) => ({ required: [path], optional: [] }),
  async load({ path, overrides, read }) {
    const src = await read(path);
    const pt = src.name;
    const w = readTorchHost(src);
    const tensors = {
      W_enc: transpose(need(w, "encoder.weight", pt), `${pt}: encoder.weight`),
      W_dec: transpose(need(w, "decoder.weight", pt), `${pt}: decoder.weight`),
      b_enc: need(w, "encoder.bias", pt),
      b_dec: need(w, "decoder.bias", pt),
    };
    return { cfg: deepseekR1Config(path, overrides), tensors, sparsity: null };
  },
};
