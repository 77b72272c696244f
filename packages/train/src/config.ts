// The training config: one object of field specs (default + kind) whose names and meanings follow SAELens's
// LanguageModelSAERunnerConfig, resolved into a checked TrainConfig. Unknown keys are rejected with a suggestion.
// Derived values (d_sae from expansion_factor, hook_layer from hook_name, d_in from the model) are filled by
// resolveConfig / completeConfig. The defaults train a TopK SAE on the bundled tiny-Shakespeare model in minutes.
import { ARCHITECTURE_NAMES, architecture, isTopkFamily } from "@sae/core";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

type Kind = "int" | "float" | "string" | "bool" | "ints" | "kwargs" | readonly string[];
interface FieldSpec {
  default: unknown;
  kind: Kind;
  nullable?: boolean;
  help: string;
}

const JUMPRELU_MODES = ["step", "tanh"] as const;
const LR_SCHEDULERS = ["constant", "cosineannealing", "cosineannealingwarmrestarts", "linear"] as const;
const B_DEC_INIT = ["zeros", "mean", "geometric_median"] as const;
const NORMALIZE = ["none", "expected_average_only_in"] as const;
const CACHE_DTYPES = ["f32", "f16"] as const;

/** Every config field with its default: the one place defaults live. CLI flags are derived from these names. */
export const CONFIG_FIELDS = {
  // model and hook
  model_name: { default: "tiny-shakespeare", kind: "string", help: "model: 'tiny-shakespeare' (bundled), a folder, a HF repo id or alias" },
  model_from_pretrained_kwargs: {
    default: { center_writing_weights: false },
    kind: "kwargs",
    help: "JSON object: the model loads as from_pretrained_no_processing(**these), as SAELens does",
  },
  hook_name: { default: "blocks.1.hook_resid_pre", kind: "string", help: "hook point the SAE reads" },
  hook_name_out: { default: null, kind: "string", nullable: true, help: "train a plain transcoder (our extension; architecture standard): the hook the decoder predicts, e.g. blocks.1.hook_mlp_out" },
  hook_layer: { default: null, kind: "int", nullable: true, help: "layer of the hook (default: parsed from hook_name)" },
  d_in: { default: null, kind: "int", nullable: true, help: "activation width (default: the model's d_model)" },
  // architecture
  architecture: { default: "topk", kind: ARCHITECTURE_NAMES, help: "SAE architecture" },
  d_sae: { default: null, kind: "int", nullable: true, help: "number of latents (default: d_in * expansion_factor)" },
  expansion_factor: { default: 4, kind: "int", help: "d_sae = d_in * expansion_factor when d_sae is not set" },
  k: { default: 16, kind: "int", help: "active latents per token (topk, batchtopk)" },
  apply_b_dec_to_input: { default: true, kind: "bool", help: "subtract b_dec before encoding" },
  b_dec_init_method: { default: "geometric_median", kind: B_DEC_INIT, help: "b_dec initialisation from the first buffer" },
  normalize_sae_decoder: { default: false, kind: "bool", help: "renormalise W_dec rows to unit norm after every step" },
  decoder_heuristic_init: { default: true, kind: "bool", help: "init W_dec rows with norm decoder_heuristic_init_norm" },
  decoder_heuristic_init_norm: { default: 0.1, kind: "float", help: "row norm for the heuristic decoder init" },
  init_encoder_as_decoder_transpose: { default: true, kind: "bool", help: "W_enc = W_dec^T at init" },
  jumprelu_init_threshold: { default: 0.01, kind: "float", help: "JumpReLU initial threshold" },
  jumprelu_bandwidth: { default: 0.05, kind: "float", help: "JumpReLU straight-through bandwidth" },
  jumprelu_sparsity_loss_mode: { default: "step", kind: JUMPRELU_MODES, help: "JumpReLU sparsity term: step (L0) or tanh" },
  jumprelu_tanh_scale: { default: 4, kind: "float", help: "JumpReLU tanh sparsity scale" },
  pre_act_loss_coefficient: { default: null, kind: "float", nullable: true, help: "JumpReLU pre-activation loss on dead latents (null: off)" },
  rescale_acts_by_decoder_norm: { default: null, kind: "bool", nullable: true, help: "topk family: select on pre * ||W_dec|| (default true for topk, batchtopk, matryoshka_batchtopk, as SAELens trains them)" },
  topk_threshold_lr: { default: 0.01, kind: "float", help: "batchtopk: learning rate of the running inference threshold" },
  matryoshka_widths: { default: null, kind: "ints", nullable: true, help: "matryoshka_batchtopk: nested widths, e.g. 256,1024 (d_sae is appended)" },
  sparse_max_active: { default: null, kind: "int", nullable: true, help: "standard, jumprelu: most active latents per token for the sparse step (default d_sae/16 up to 256 when d_sae >= 1024; 0 = always dense)" },
  // data
  dataset_path: { default: "bundled:tiny-shakespeare", kind: "string", help: "text/.txt, .jsonl[.gz|.zst], .parquet, a folder (of data files, or from sae pretokenize), tokens (.tokens/.u16/.u32), a Hugging Face dataset id (owner/name) or bundled:tiny-shakespeare / bundled:tinystories" },
  dataset_text_field: { default: "text", kind: "string", help: "JSONL field holding the text" },
  is_dataset_tokenized: { default: false, kind: "bool", help: "dataset_path holds token ids (u16/u32 file)" },
  context_size: { default: 64, kind: "int", help: "tokens per prompt" },
  prepend_bos: { default: true, kind: "bool", help: "start each prompt with BOS" },
  exclude_special_tokens: { default: true, kind: "bool", help: "drop BOS/pad positions from training activations" },
  store_batch_size_prompts: { default: 16, kind: "int", help: "prompts per model forward in the store" },
  n_batches_in_buffer: { default: 8, kind: "int", help: "model batches held in the shuffle buffer" },
  normalize_activations: { default: "none", kind: NORMALIZE, help: "activation scaling before the SAE" },
  use_cached_activations: { default: false, kind: "bool", help: "read activations from cached_activations_path (written on first run)" },
  cached_activations_path: { default: null, kind: "string", nullable: true, help: "activation cache file (.sae-acts)" },
  cached_activations_dtype: { default: "f32", kind: CACHE_DTYPES, help: "row precision in the activation cache" },
  eval_holdout_prompts: { default: 32, kind: "int", help: "prompts kept out of training for evaluation" },
  // optimisation
  train_batch_size_tokens: { default: 2048, kind: "int", help: "activations per training step" },
  training_tokens: { default: 400_000, kind: "int", help: "total training activations" },
  lr: { default: 4e-4, kind: "float", help: "Adam learning rate" },
  lr_scheduler_name: { default: "constant", kind: LR_SCHEDULERS, help: "decay schedule after warm-up" },
  lr_warm_up_steps: { default: 10, kind: "int", help: "linear warm-up steps" },
  lr_decay_steps: { default: 0, kind: "int", help: "steps of decay at the end (constant/linear)" },
  lr_end: { default: null, kind: "float", nullable: true, help: "final lr (default lr / 10)" },
  n_restart_cycles: { default: 1, kind: "int", help: "cosine warm restarts" },
  adam_beta1: { default: 0.9, kind: "float", help: "Adam beta1" },
  adam_beta2: { default: 0.999, kind: "float", help: "Adam beta2" },
  adam_eps: { default: 1e-8, kind: "float", help: "Adam epsilon" },
  max_grad_norm: { default: 1.0, kind: "float", help: "clip the global gradient norm (0 = off)" },
  l1_coefficient: { default: 5, kind: "float", help: "sparsity penalty (standard, gated; jumprelu unless l0_coefficient is set)" },
  l1_warm_up_steps: { default: 0, kind: "int", help: "linear warm-up of the sparsity penalty from 0" },
  l0_coefficient: { default: null, kind: "float", nullable: true, help: "jumprelu sparsity coefficient (default l1_coefficient, as SAELens 5 read it)" },
  l0_warm_up_steps: { default: null, kind: "int", nullable: true, help: "jumprelu coefficient warm-up (default l1_warm_up_steps)" },
  lp_norm: { default: 1, kind: "float", help: "norm of the sparsity penalty" },
  aux_loss_coefficient: { default: 1, kind: "float", help: "topk family auxiliary (dead latent) loss weight" },
  use_ghost_grads: { default: false, kind: "bool", help: "ghost gradients for dead latents (standard only)" },
  // feature statistics
  dead_feature_window: { default: 100, kind: "int", help: "steps without firing before a latent counts as dead" },
  feature_sampling_window: { default: 200, kind: "int", help: "steps per feature-density estimate" },
  dead_feature_threshold: { default: 1e-8, kind: "float", help: "density below which a latent is dead (eval)" },
  // run bookkeeping
  seed: { default: 42, kind: "int", help: "seed for init, shuffling and data order" },
  checkpoint_path: { default: "checkpoints", kind: "string", help: "directory for checkpoints" },
  run_name: { default: null, kind: "string", nullable: true, help: "run directory name (default from architecture/d_sae/time)" },
  n_checkpoints: { default: 0, kind: "int", help: "intermediate checkpoints (a final one is always written)" },
  wandb_log_frequency: { default: 10, kind: "int", help: "steps between metric readbacks/log lines" },
  eval_every_n_wandb_logs: { default: 20, kind: "int", help: "log lines between quick evaluations" },
  n_eval_batches: { default: 4, kind: "int", help: "held-out batches for the final evaluation" },
  eval_batch_size_prompts: { default: null, kind: "int", nullable: true, help: "prompts per eval batch (default store_batch_size_prompts)" },
  resume: { default: false, kind: "bool", help: "continue from the run's trainer state" },
  html_report: { default: true, kind: "bool", help: "write report.html at the end" },
} as const satisfies Record<string, FieldSpec>;

type Spec = typeof CONFIG_FIELDS;
type ValueOf<S> = S extends { kind: readonly (infer E)[] }
  ? E
  : S extends { kind: "ints" }
    ? number[]
    : S extends { kind: "kwargs" }
      ? Record<string, unknown>
    : S extends { kind: "int" | "float" }
      ? number
      : S extends { kind: "string" }
        ? string
        : boolean;
type FieldValue<S> = S extends { nullable: true } ? ValueOf<S> | null : ValueOf<S>;

/** A resolved config (snake_case keys as in SAELens). */
export type TrainConfig = { -readonly [K in keyof Spec]: FieldValue<Spec[K]> };
export type Architecture = (typeof ARCHITECTURE_NAMES)[number];
export type LrSchedulerName = (typeof LR_SCHEDULERS)[number];
export const CONFIG_KEYS = Object.keys(CONFIG_FIELDS) as (keyof TrainConfig)[];

export const DEFAULT_CONFIG: Readonly<TrainConfig> = Object.freeze(
  Object.fromEntries(CONFIG_KEYS.map((k) => [k, CONFIG_FIELDS[k].default])) as unknown as TrainConfig,
);

export function fieldSpec(key: string): FieldSpec | undefined {
  return (CONFIG_FIELDS as Record<string, FieldSpec>)[key];
}

/** Checks one value against its field's kind, coercing nothing; throws ConfigError naming key and value. */
export function checkValue(key: string, value: unknown, where = "config"): unknown {
  const spec = fieldSpec(key);
  if (!spec) throw new ConfigError(`${where}: unknown key '${key}'${didYouMean(key, CONFIG_KEYS)}`);
  if (value === null && spec.nullable) return null;
  const bad = (want: string) => new ConfigError(`${where}: '${key}' must be ${want}, got ${JSON.stringify(value)}`);
  const kind = spec.kind;
  if (Array.isArray(kind)) {
    if (typeof value !== "string" || !kind.includes(value)) throw bad(`one of ${kind.join("|")}${typeof value === "string" ? didYouMean(value, kind) : ""}`);
    return value;
  }
  switch (kind as "int" | "float" | "string" | "bool" | "ints" | "kwargs") {
    case "kwargs":
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("a JSON object");
      return value;
    case "ints":
      if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) throw bad("a list of integers");
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw bad("an integer");
      return value;
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad("a finite number");
      return value;
    case "string":
      if (typeof value !== "string") throw bad("a string");
      return value;
    case "bool":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
  }
}

/** Parses "blocks.3.hook_resid_pre" -> 3; hooks before block 0 (hook_embed, hook_pos_embed) -> 0. */
export function layerOfHook(hookName: string): number {
  const m = /^blocks\.(\d+)\./.exec(hookName);
  if (m) return Number(m[1]);
  if (hookName === "hook_embed" || hookName === "hook_pos_embed") return 0;
  throw new ConfigError(`hook_name '${hookName}': cannot infer hook_layer (expected 'blocks.<layer>.<hook>'); set hook_layer`);
}

/** Defaults + overrides, every key and value checked, cross-field rules enforced. d_in may stay null (from the model). */
export function resolveConfig(overrides: Record<string, unknown> = {}, where = "config"): TrainConfig {
  const cfg: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(overrides)) cfg[k] = checkValue(k, v, where);
  const c = cfg as TrainConfig;
  if (c.hook_layer === null) c.hook_layer = layerOfHook(c.hook_name);
  const positive = ["context_size", "store_batch_size_prompts", "n_batches_in_buffer", "train_batch_size_tokens", "training_tokens", "expansion_factor", "k", "wandb_log_frequency", "n_eval_batches"] as const;
  for (const key of positive) if (c[key] <= 0) throw new ConfigError(`${where}: '${key}' must be > 0, got ${c[key]}`);
  const nonNegative = ["lr_warm_up_steps", "lr_decay_steps", "l1_warm_up_steps", "n_checkpoints", "eval_holdout_prompts", "max_grad_norm", "l1_coefficient", "aux_loss_coefficient", "lr"] as const;
  for (const key of nonNegative) if (c[key] < 0) throw new ConfigError(`${where}: '${key}' must be >= 0, got ${c[key]}`);
  if (!(c.adam_beta1 >= 0 && c.adam_beta1 < 1 && c.adam_beta2 >= 0 && c.adam_beta2 < 1)) {
    throw new ConfigError(`${where}: adam_beta1/adam_beta2 must be in [0, 1), got ${c.adam_beta1}/${c.adam_beta2}`);
  }
  if (c.use_ghost_grads && !architecture(c.architecture).ghostGrads) {
    throw new ConfigError(`${where}: use_ghost_grads applies to architecture 'standard' only, got '${c.architecture}' (topk/batchtopk revive dead latents with their aux-k loss)`);
  }
  if (c.hook_name_out !== null) checkTranscoder(c, where);
  if (c.use_cached_activations && c.cached_activations_path === null) throw new ConfigError(`${where}: use_cached_activations needs cached_activations_path`);
  if (c.d_in !== null) completeDims(c, c.d_in, where);
  return c;
}

/** Plain transcoder training: the standard objective against hook_name_out, no input-side b_dec or scaling. */
function checkTranscoder(c: TrainConfig, where: string): void {
  const no = (why: string) => new ConfigError(`${where}: hook_name_out (transcoder training) ${why}`);
  if (!architecture(c.architecture).readsTarget) throw no(`needs architecture 'standard', got '${c.architecture}'`);
  if (c.normalize_activations !== "none") throw no(`needs normalize_activations 'none', got '${c.normalize_activations}'`);
  if (c.use_cached_activations) throw no("reads the model, not an activation cache (use_cached_activations)");
  if (c.use_ghost_grads) throw no("does not take use_ghost_grads");
}

/** Fills d_in (checked against the model's width) and d_sae; checks k against d_sae. */
export function completeDims(c: TrainConfig, modelDIn: number, where = "config"): TrainConfig {
  if (c.d_in !== null && c.d_in !== modelDIn) throw new ConfigError(`${where}: d_in ${c.d_in} does not match the width ${modelDIn} of hook '${c.hook_name}' in ${c.model_name}`);
  c.d_in = modelDIn;
  if (c.d_sae === null) c.d_sae = modelDIn * c.expansion_factor;
  if (isTopkFamily(c.architecture) && c.k > c.d_sae) throw new ConfigError(`${where}: k ${c.k} exceeds d_sae ${c.d_sae}`);
  return c;
}

/** The schedules' length, as SAELens 6.18's total_training_steps: floor(training_tokens / train_batch_size_tokens). */
export function totalSteps(c: TrainConfig): number {
  const steps = Math.floor(c.training_tokens / c.train_batch_size_tokens);
  if (steps < 1) {
    throw new ConfigError(
      `training_tokens ${c.training_tokens} is less than one batch (train_batch_size_tokens ${c.train_batch_size_tokens})`,
    );
  }
  return steps;
}

/**
 * Steps a run takes, as SAELens 6.18's fit() loop (`while n_training_samples < total_training_samples`):
 * ceil(training_tokens / train_batch_size_tokens). One more than totalSteps (the schedules' length) when the budget
 * is not a multiple of the batch; that last step uses the schedules one step past their end.
 */
export function runSteps(c: TrainConfig): number {
  totalSteps(c); // the same ConfigError under one batch
  return Math.ceil(c.training_tokens / c.train_batch_size_tokens);
}
