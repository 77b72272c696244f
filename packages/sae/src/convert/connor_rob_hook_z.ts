// Kissane & Krzyzanowski hook_z SAEs (conversion "connor_rob_hook_z"): `<run>.pt`, a torch state_dict already in
// SAELens's names and layout, and `<run>_cfg.json`, the training config (act_size, dict_size, act_name). The cfg
// dict is SAELens's get_connor_rob_hook_z_config_from_hf. convert_hook_z.ts holds the file-level loader.
import { intField, readJsonObject, readTorchHost, strField } from "./tensors.ts";
import type { Converter } from "./types.ts";

/** The config file beside a run's weights: `<run>.pt` -> `<run>_cfg.json` (what SAELens downloads). */
export function hookZConfigPath(weightsPath: string): string {
  return `${weightsPath.split(".pt")[0]}_cfg.json`;
}

export const connorRobHookZ: Converter = {
  files: (_repo, path) => ({ required: [hookZConfigPath(path), path], optional: [] }),
  async load({ path, overrides, read }) {
    const src = await read(hookZConfigPath(path));
    const file = src.name;
    const old = readJsonObject(src);
    const cfg = {
      architecture: "standard",
      d_in: intField(old, "act_size", file),
      d_sae: intField(old, "dict_size", file),
      dtype: "float32",
      model_name: "gpt2-small",
      hook_name: strField(old, "act_name", file),
      hook_head_index: null,
      activation_fn: "relu",
      apply_b_dec_to_input: true,
      finetuning_scaling_factor: false,
      sae_lens_training_version: null,
      prepend_bos: true,
      dataset_path: "Skylion007/openwebtext",
      context_size: 128,
      normalize_activations: "none",
      dataset_trust_remote_code: true,
      reshape_activations: "hook_z",
      ...overrides,
    };
    return { cfg, tensors: Object.fromEntries(readTorchHost(await read(path))), sparsity: null };
  },
};
