// SAELens runner configs -> the project's config keys (config.ts), for `--config`. Two spellings are read:
//   - SAELens 6 (LanguageModelSAERunnerConfig.to_dict()): runner keys at the top, the architecture's training SAE
//     config under `sae: {...}` (with `architecture`), logging under `logger: {...}`. Keys the file leaves out take
//     SAELens 6.18's defaults (runner and SAE config class), not this project's, so the same file trains the same way.
//   - SAELens 5 / this project: one flat object (SAELens 5's activation_fn / activation_fn_kwargs.k are read).
// Every key is either mapped to a project key, checked against the only value(s) this project can honour, or inert
// (no effect on the numbers: devices, compilation, wandb). A key neither SAELens nor the project knows is an error
// naming it and the nearest known key. Not here: value checks and cross-field rules (config.ts resolveConfig).
import { ARCHITECTURES, type Architecture } from "@sae/core";
import { CONFIG_KEYS, fieldSpec } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

/** SAELens names that mean a project key of another name (used only while the project lacks the SAELens name). */
const RENAMED: Record<string, string> = {
  decoder_init_norm: "decoder_heuristic_init_norm",
};

/** SAELens keys with no effect on what is computed here. */
const INERT = new Set([
  "hook_eval", "dataset_trust_remote_code", "streaming", "device", "act_store_device", "autocast_lm", "compile_llm",
  "llm_compilation_mode", "compile_sae", "sae_compilation_mode", "verbose",
  "sae_lens_version", "sae_lens_training_version", "log_to_wandb", "log_activations_store_to_wandb",
  "log_optimizer_state_to_wandb", "wandb_project", "wandb_id", "wandb_entity", "save_final_checkpoint", "output_path",
  "metadata", "use_sparse_activations", "tokens_per_buffer",
]);

/** SAELens keys this project accepts only at these values (anything else would silently train differently). */
const ONLY: Record<string, readonly unknown[]> = {
  model_class_name: ["HookedTransformer"],
  dtype: ["float32", "torch.float32"],
  autocast: [false],
  reshape_activations: ["none"],
  from_pretrained_path: [null],
  disable_concat_sequences: [false],
  sequence_separator_token: ["bos"],
  hook_head_index: [null],
  seqpos_slice: [[null], [null, null]],
  model_kwargs: [{}],
  resume_from_checkpoint: [null],
  noise_scale: [0],
  decoder_orthogonal_init: [false],
  finetuning_tokens: [0],
  mse_loss_normalization: [null],
  scale_sparsity_penalty_by_decoder_norm: [true],
  finetuning_method: [null],
};

/** SAELens 6.18 defaults of the runner, logger and training SAE config classes, for the keys the project models. */
const SAELENS6_DEFAULTS: Record<string, unknown> = {
  context_size: 128,
  n_batches_in_buffer: 20,
  training_tokens: 2_000_000,
  store_batch_size_prompts: 32,
  seed: 42,
  prepend_bos: true,
  train_batch_size_tokens: 4096,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  lr: 3e-4,
  lr_scheduler_name: "constant",
  lr_warm_up_steps: 0,
  lr_end: null,
  lr_decay_steps: 0,
  n_restart_cycles: 1,
  dead_feature_window: 1000,
  feature_sampling_window: 2000,
  dead_feature_threshold: 1e-8,
  n_eval_batches: 10,
  eval_batch_size_prompts: null,
  n_checkpoints: 0,
  checkpoint_path: "checkpoints",
  exclude_special_tokens: false,
  use_cached_activations: false,
  wandb_log_frequency: 10,
  eval_every_n_wandb_logs: 100,
  apply_b_dec_to_input: true,
  normalize_activations: "none",
  decoder_init_norm: 0.1,
  b_dec_init_method: "zeros", // SAELens 6 starts b_dec at zero
};

/** Defaults of each SAELens 6 training SAE config class that differ between classes (each architecture's own). */
function classDefaultsOf(arch: string): Readonly<Record<string, unknown>> {
  return (ARCHITECTURES as Record<string, Architecture>)[arch]?.saelensTrainingDefaults ?? {};
}

const SPECIAL = ["sae", "logger", "activation_fn", "activation_fn_kwargs", "is_dataset_tokenized"];
const KNOWN = [...new Set([...CONFIG_KEYS, ...Object.keys(RENAMED), ...INERT, ...Object.keys(ONLY), ...SPECIAL])];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** True for a SAELens 6 runner config (nested `sae` object). */
export function isSaeLens6Runner(obj: Record<string, unknown>): boolean {
  return isObject(obj.sae);
}

/** A SAELens 5/6 runner config (or this project's flat config) as project config overrides. */
export function fromSaeLensConfig(obj: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nested = isSaeLens6Runner(obj);
  let entries: [string, unknown, string][]; // key, value, path for messages
  if (nested) {
    const sae = obj.sae as Record<string, unknown>;
    const logger = isObject(obj.logger) ? obj.logger : {};
    if (obj.logger !== undefined && !isObject(obj.logger)) throw new ConfigError(`${where}: 'logger' must be an object`);
    const arch = sae.architecture;
    const classDefaults = typeof arch === "string" ? classDefaultsOf(arch) : {};
    const given = new Set([...Object.keys(obj), ...Object.keys(sae), ...Object.keys(logger)]);
    entries = Object.entries({ ...SAELENS6_DEFAULTS, ...classDefaults })
      .filter(([k]) => !given.has(k))
      .map(([k, v]) => [k, v, `(SAELens 6 default) ${k}`]);
    for (const [k, v] of Object.entries(obj)) if (k !== "sae" && k !== "logger") entries.push([k, v, k]);
    for (const [k, v] of Object.entries(sae)) entries.push([k, v, `sae.${k}`]);
    for (const [k, v] of Object.entries(logger)) entries.push([k, v, `logger.${k}`]);
  } else {
    if (obj.logger !== undefined) throw new ConfigError(`${where}: 'logger' is a SAELens 6 key; a SAELens 6 config also nests its SAE under 'sae'`);
    entries = Object.entries(obj).map(([k, v]) => [k, v, k]);
  }
  for (const [key, value, path] of entries) {
    if (fieldSpec(key)) {
      if (key === "is_dataset_tokenized" && nested) continue; // SAELens 6: "NOT IN USE", it detects token files itself
      out[key] = value;
    } else if (key in RENAMED) {
      out[RENAMED[key]] = value;
    } else if (INERT.has(key)) {
      continue;
    } else if (key in ONLY) {
      if (!ONLY[key].some((v) => same(v, value))) {
        throw new ConfigError(`${where}: '${path}' = ${JSON.stringify(value)} is not supported here (only ${ONLY[key].map((v) => JSON.stringify(v)).join(" or ")})`);
      }
    } else if (key === "activation_fn") {
      if (value === "topk" && obj.architecture === undefined) out.architecture = "topk";
      else if (value !== "relu" && value !== "topk") throw new ConfigError(`${where}: '${path}' = ${JSON.stringify(value)} is not supported here (relu or topk)`);
    } else if (key === "activation_fn_kwargs") {
      if (!isObject(value)) throw new ConfigError(`${where}: '${path}' must be an object`);
      for (const [kk, kv] of Object.entries(value)) {
        if (kk !== "k") throw new ConfigError(`${where}: '${path}.${kk}' is not supported here (only k)`);
        out.k = kv;
      }
    } else {
      throw new ConfigError(`${where}: unknown key '${path}'${didYouMean(key, KNOWN)}`);
    }
  }
  return out;
}
