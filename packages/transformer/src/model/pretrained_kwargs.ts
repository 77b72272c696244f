// SAELens loads every model as HookedTransformer.from_pretrained_no_processing(name, **model_from_pretrained_kwargs)
// (load_model.py, evals.py): no weight processing, except what the kwargs turn back on. Training runs default the
// kwargs to {"center_writing_weights": false} (config.py), SAEs carry theirs in cfg.json, and a release may override
// them (gpt2-small-res-jb: {"center_writing_weights": true}). This maps those kwargs to ProcessOptions.
// `dtype` (TransformerLens's from_pretrained dtype, how SAELens users pick the model's precision) picks how the
// weights are held on the device (dtypeFromKwargs); every CLI's --dtype writes or overrides it.
// Not here: kwargs that change nothing computed on this side (n_devices, ...) are ignored.
import { FormatError } from "@sae/tensor-core";
import type { WeightDType } from "./device_weights.ts";
import { NO_PROCESSING, type ProcessOptions } from "./process.ts";

const KWARG_OF: Record<string, keyof ProcessOptions> = {
  fold_ln: "foldLn",
  center_writing_weights: "centerWritingWeights",
  center_unembed: "centerUnembed",
  fold_value_biases: "foldValueBiases",
};

/** Kwargs that would change activations in ways this project does not model: refused rather than ignored. */
const UNSUPPORTED = ["refactor_factored_attn_matrices", "first_n_layers"];

/** from_pretrained_no_processing(**kwargs) as ProcessOptions; `where` names the file or flag in errors. */
export function processingFromKwargs(kwargs: unknown, where = "model_from_pretrained_kwargs"): ProcessOptions {
  if (kwargs === null || kwargs === undefined) return { ...NO_PROCESSING };
  if (typeof kwargs !== "object" || Array.isArray(kwargs)) {
    throw new FormatError(`${where}: expected an object like {"center_writing_weights": false}, got ${JSON.stringify(kwargs)}`);
  }
  const out: ProcessOptions = { ...NO_PROCESSING };
  for (const [k, v] of Object.entries(kwargs)) {
    if (UNSUPPORTED.includes(k) && v) throw new FormatError(`${where}: '${k}' is not supported`);
    const key = KWARG_OF[k];
    if (!key) continue;
    if (typeof v !== "boolean") throw new FormatError(`${where}: '${k}' must be true or false, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

/** TransformerLens's dtype spellings (DTYPE_FROM_STRING, torch.*) and the CLI's f32|f16|bf16 -> WeightDType. */
const DTYPE_OF: Record<string, WeightDType> = {
  f32: "f32", float32: "f32", fp32: "f32",
  f16: "f16", float16: "f16", fp16: "f16",
  bf16: "bf16", bfloat16: "bf16",
};

/** The TransformerLens spelling written into model_from_pretrained_kwargs (what SAELens in Python reads back). */
export const TL_DTYPE_NAME: Record<WeightDType, string> = { f32: "float32", f16: "float16", bf16: "bfloat16" };

/** A dtype name (f16, float16, torch.float16, ...) -> WeightDType; FormatError naming `where` otherwise. */
export function weightDtypeOf(name: unknown, where = "dtype"): WeightDType {
  const d = typeof name === "string" ? DTYPE_OF[name.replace(/^torch\./, "")] : undefined;
  const want = "expected f32, f16 or bf16 (or float32, float16, bfloat16)";
  if (!d) throw new FormatError(`${where}: ${want}, got ${JSON.stringify(name)}`);
  return d;
}

/** kwargs.dtype as the model's weight dtype (no dtype: f32, TransformerLens's default). */
export function dtypeFromKwargs(kwargs: unknown, where = "model_from_pretrained_kwargs"): WeightDType {
  const v = kwargs && typeof kwargs === "object" ? (kwargs as Record<string, unknown>).dtype : undefined;
  return v === undefined || v === null ? "f32" : weightDtypeOf(v, `${where} dtype`);
}
