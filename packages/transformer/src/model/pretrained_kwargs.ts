// SAELens loads every model as HookedTransformer.from_pretrained_no_processing(name, **model_from_pretrained_kwargs)
// (load_model.py, evals.py): no weight processing, except what the kwargs turn back on. Training runs default the
// kwargs to {"center_writing_weights": false} (config.py), SAEs carry theirs in cfg.json, and a release may override
// them (gpt2-small-res-jb: {"center_writing_weights": true}). This maps those kwargs to ProcessOptions.
// Not here: kwargs that change nothing computed on this side (dtype, n_devices, ...) are ignored.
import { FormatError } from "@sae/tensor-core";
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
