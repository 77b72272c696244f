// SAE configuration: one defaults object, a checked constructor (unknown keys rejected), and the SAELens cfg.json
// mapping both ways. Reading accepts SAELens 1-6 spellings (hook_point*, flat vs nested `metadata`, k in
// activation_fn_kwargs, "torch.float32"); writing emits the flat SAELens 5 keys plus a SAELens 6 `metadata` object.
// Not here: the architectures themselves and their own field checks (arch/<name>/, listed in arch/registry.ts, which
// also gives the architecture names) and file I/O (checkpoint.ts).
import { ARCHITECTURE_NAMES, architecture, type ArchitectureName } from "./arch/registry.ts";
import { positiveInt } from "./config_checks.ts";
import { SaeConfigError } from "./errors.ts";

export { ARCHITECTURE_NAMES, isTopkFamily, type ArchitectureName } from "./arch/registry.ts";

export const NORMALIZE_ACTIVATIONS = ["none", "expected_average_only_in", "constant_norm_rescale", "layer_norm"] as const;
export type NormalizeActivations = (typeof NORMALIZE_ACTIVATIONS)[number];

export interface SaeConfig {
  architecture: ArchitectureName;
  d_in: number;
  d_sae: number;
  dtype: string;
  device: string;
  apply_b_dec_to_input: boolean;
  normalize_activations: NormalizeActivations;
  finetuning_scaling_factor: boolean;
  /** Active latents per token (topk) or on average per token (batchtopk, matryoshka_batchtopk). */
  k: number | null;
  model_name: string;
  hook_name: string;
  hook_layer: number | null;
  hook_head_index: number | null;
  context_size: number | null;
  prepend_bos: boolean;
  dataset_path: string;
  neuronpedia_id: string | null;
  sae_lens_training_version: string | null;
  // Training hyperparameters (travel with the config; SAELens training configs carry them too).
  l1_coefficient: number;
  /** Standard SAE: the p of the decoder-norm-weighted sparsity norm (SAELens lp_norm). */
  lp_norm: number;
  l0_coefficient: number;
  jumprelu_bandwidth: number;
  jumprelu_init_threshold: number;
  /** JumpReLU sparsity term: "step" (L0 through the straight-through step) or "tanh" (sum tanh(scale f ||W_dec||)). */
  jumprelu_sparsity_loss_mode: JumpReluSparsityMode;
  jumprelu_tanh_scale: number;
  /** JumpReLU: coefficient of the pre-activation loss on dead latents (null: off). */
  pre_act_loss_coefficient: number | null;
  /** TopK/BatchTopK/Matryoshka aux-k loss coefficient (SAELens 6: 1). */
  aux_loss_coefficient: number;
  /** TopK family: select on pre * ||W_dec[i]|| and decode f / ||W_dec[i]|| (SAELens; its training default). */
  rescale_acts_by_decoder_norm: boolean;
  /** Matryoshka BatchTopK: nested prefix widths, the last one d_sae. */
  matryoshka_widths: number[] | null;
  /** Dead latents used by the aux-k loss; null means floor(d_in / 2). */
  k_aux: number | null;
  topk_threshold_lr: number;
  decoder_init_norm: number;
  /** Renormalise W_dec rows to unit norm after every optimiser step. */
  normalize_sae_decoder: boolean;
  /** Initialise W_enc = W_dec^T (else an independent uniform draw). */
  init_encoder_as_decoder_transpose: boolean;
}

export const JUMPRELU_SPARSITY_MODES = ["step", "tanh"] as const;
export type JumpReluSparsityMode = (typeof JUMPRELU_SPARSITY_MODES)[number];

export const SAE_CONFIG_DEFAULTS: Omit<SaeConfig, "d_in" | "d_sae"> = {
  architecture: "standard",
  dtype: "float32",
  device: "webgpu",
  apply_b_dec_to_input: true,
  normalize_activations: "none",
  finetuning_scaling_factor: false,
  k: null,
  model_name: "",
  hook_name: "",
  hook_layer: null,
  hook_head_index: null,
  context_size: null,
  prepend_bos: true,
  dataset_path: "",
  neuronpedia_id: null,
  sae_lens_training_version: null,
  l1_coefficient: 1,
  lp_norm: 1,
  l0_coefficient: 1,
  jumprelu_bandwidth: 0.05,
  jumprelu_init_threshold: 0.01,
  jumprelu_sparsity_loss_mode: "step",
  jumprelu_tanh_scale: 4,
  pre_act_loss_coefficient: null,
  aux_loss_coefficient: 1,
  rescale_acts_by_decoder_norm: false,
  matryoshka_widths: null,
  k_aux: null,
  topk_threshold_lr: 0.01,
  decoder_init_norm: 0.1,
  normalize_sae_decoder: false,
  init_encoder_as_decoder_transpose: true,
};

const KEYS = new Set<string>([...Object.keys(SAE_CONFIG_DEFAULTS), "d_in", "d_sae"]);

function checkArchitecture(value: unknown, where: string): ArchitectureName {
  if (typeof value === "string" && (ARCHITECTURE_NAMES as readonly string[]).includes(value)) return value as ArchitectureName;
  throw new SaeConfigError(`${where}: unknown architecture ${JSON.stringify(value)}; valid: ${ARCHITECTURE_NAMES.join(", ")}`);
}

/** Kinds of the fields whose default is null (the others take the kind of their default). */
const NULLABLE_KIND: Partial<Record<keyof SaeConfig, "int" | "string" | "number" | "ints">> = {
  k: "int",
  pre_act_loss_coefficient: "number",
  matryoshka_widths: "ints",
  k_aux: "int",
  hook_layer: "int",
  hook_head_index: "int",
  context_size: "int",
  neuronpedia_id: "string",
  sae_lens_training_version: "string",
};

/** Every field has the JSON type its default has (`"apply_b_dec_to_input": "false"` is an error, not true). */
function checkFieldTypes(cfg: SaeConfig, where: string): void {
  for (const [field, def] of Object.entries(SAE_CONFIG_DEFAULTS)) {
    const v = (cfg as unknown as Record<string, unknown>)[field];
    const nullable = def === null;
    if (nullable && v === null) continue;
    const kind = nullable ? NULLABLE_KIND[field as keyof SaeConfig] : typeof def;
    const ok =
      kind === "boolean" ? typeof v === "boolean"
      : kind === "number" ? typeof v === "number" && Number.isFinite(v)
      : kind === "int" ? typeof v === "number" && Number.isInteger(v)
      : kind === "ints" ? Array.isArray(v) && v.every((x) => Number.isInteger(x))
      : typeof v === "string";
    if (!ok) {
      const kinds: Record<string, string> = { boolean: "true or false", number: "a finite number", int: "an integer", ints: "a list of integers" };
      const want = kinds[kind as string] ?? "a string";
      const orNull = nullable ? " or null" : "";
      throw new SaeConfigError(`${where}: field '${field}' must be ${want}${orNull}, got ${JSON.stringify(v)}`);
    }
  }
}

function layerOf(hookName: string): number | null {
  const m = /^blocks\.(\d+)\./.exec(hookName);
  return m ? Number(m[1]) : null;
}

/** Checks a full config: field types, architecture, k where needed. `where` names the source in errors. */
export function validateConfig(cfg: SaeConfig, where = "config"): SaeConfig {
  checkArchitecture(cfg.architecture, where);
  positiveInt(cfg.d_in, "d_in", where);
  positiveInt(cfg.d_sae, "d_sae", where);
  checkFieldTypes(cfg, where);
  if (cfg.context_size !== null) positiveInt(cfg.context_size, "context_size", where);
  if (!(NORMALIZE_ACTIVATIONS as readonly string[]).includes(cfg.normalize_activations)) {
    throw new SaeConfigError(`${where}: field 'normalize_activations' is ${JSON.stringify(cfg.normalize_activations)}; valid: ${NORMALIZE_ACTIVATIONS.join(", ")}`);
  }
  if (!(JUMPRELU_SPARSITY_MODES as readonly string[]).includes(cfg.jumprelu_sparsity_loss_mode)) {
    const got = JSON.stringify(cfg.jumprelu_sparsity_loss_mode);
    throw new SaeConfigError(`${where}: field 'jumprelu_sparsity_loss_mode' is ${got}; valid: ${JUMPRELU_SPARSITY_MODES.join(", ")}`);
  }
  architecture(cfg.architecture).validate?.(cfg, where);
  return cfg;
}

/** Builds a config from the defaults and the given fields; unknown keys are rejected. */
export function makeConfig(fields: Partial<SaeConfig> & { d_in: number; d_sae: number }): SaeConfig {
  for (const key of Object.keys(fields)) {
    if (!KEYS.has(key)) throw new SaeConfigError(`config: unknown key '${key}'; valid keys: ${[...KEYS].sort().join(", ")}`);
  }
  const cfg: SaeConfig = { ...SAE_CONFIG_DEFAULTS, ...fields };
  if (cfg.hook_layer === null && cfg.hook_name) cfg.hook_layer = layerOf(cfg.hook_name);
  return validateConfig(cfg);
}

const RENAMES: Record<string, string> = {
  hook_point: "hook_name",
  hook_point_layer: "hook_layer",
  hook_point_head_index: "hook_head_index",
  activation_fn: "activation_fn_str",
};

/**
 * Reads a SAELens cfg.json object (any version). Keys we do not model are returned in `extra` so that a
 * load -> save round trip keeps them.
 */
export function configFromSaeLens(raw: unknown, file = "cfg.json"): { cfg: SaeConfig; extra: Record<string, unknown> } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SaeConfigError(`${file}: expected a JSON object`);
  const flat: Record<string, unknown> = {};
  const src = raw as Record<string, unknown>;
  const meta = src.metadata;
  for (const [k, v] of Object.entries(src)) if (k !== "metadata") flat[RENAMES[k] ?? k] = v;
  if (typeof meta === "object" && meta !== null) {
    for (const [k, v] of Object.entries(meta)) if (!(k in flat) || flat[k] === null) flat[RENAMES[k] ?? k] = v;
  }
  for (const field of ["d_in", "d_sae"]) {
    if (!(field in flat)) throw new SaeConfigError(`${file}: missing required field '${field}'`);
  }
  const kwargs = (flat.activation_fn_kwargs ?? {}) as Record<string, unknown>;
  let arch = flat.architecture ?? "standard";
  if (arch === "standard" && flat.activation_fn_str === "topk") arch = "topk";
  const cfg: SaeConfig = {
    ...SAE_CONFIG_DEFAULTS,
    architecture: checkArchitecture(arch, `${file}: field 'architecture'`),
    d_in: positiveInt(flat.d_in, "d_in", file),
    d_sae: positiveInt(flat.d_sae, "d_sae", file),
  };
  if (flat.k === undefined && kwargs.k !== undefined) flat.k = kwargs.k;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (k === "architecture" || k === "d_in" || k === "d_sae") continue;
    if (!KEYS.has(k)) extra[k] = v;
    else if (v !== undefined && v !== null) (cfg as unknown as Record<string, unknown>)[k] = v; // null: the default
  }
  if (typeof cfg.dtype === "string") cfg.dtype = cfg.dtype.replace(/^torch\./, "");
  if (cfg.hook_layer === null && cfg.hook_name) cfg.hook_layer = layerOf(cfg.hook_name);
  return { cfg: validateConfig(cfg, file), extra };
}

/** The cfg.json object SAELens 5 reads (flat keys) and SAELens 6 reads (`metadata`), with our training keys. */
export function configToSaeLens(cfg: SaeConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const topk = cfg.architecture === "topk";
  const modelKwargs = extra.model_from_pretrained_kwargs ?? {}; // how the model was loaded (SAELens keeps it in metadata)
  const metadata = {
    sae_lens_version: cfg.sae_lens_training_version,
    sae_lens_training_version: cfg.sae_lens_training_version,
    model_name: cfg.model_name,
    hook_name: cfg.hook_name,
    hook_head_index: cfg.hook_head_index,
    context_size: cfg.context_size,
    prepend_bos: cfg.prepend_bos,
    dataset_path: cfg.dataset_path,
    neuronpedia_id: cfg.neuronpedia_id,
    model_from_pretrained_kwargs: modelKwargs,
  };
  return {
    dataset_trust_remote_code: true,
    seqpos_slice: [null],
    reshape_activations: "none",
    ...extra,
    model_from_pretrained_kwargs: modelKwargs,
    ...cfg,
    activation_fn_str: topk ? "topk" : "relu",
    activation_fn_kwargs: topk ? { k: cfg.k } : {},
    metadata,
  };
}
