// Building a model from a config.json object and HF-named tensors already in memory: the step every loader ends in
// (folders and the hub in load_model.ts, URLs in load_url.ts), and loadModelFromCheckpoint for tensors you hold
// (e.g. read with readSafetensors from bytes). No file system: part of @sae/transformer's browser entry.
import type { HubDownloadOptions } from "@sae/hub/node";
import { getDevice, type Device } from "@sae/tensor-core";
import { familyOf } from "../families/registry.ts";
import type { ModelConfig } from "./arch.ts";
import type { WeightDType } from "./device_weights.ts";
import { HookedTransformer } from "./hooked_transformer.ts";
import { HfTensors } from "./params.ts";
import { processParams, TRANSFORMER_LENS_DEFAULTS, type ProcessOptions } from "./process.ts";
import type { TextTokenizer } from "./tokens.ts";
import type { TensorSource } from "./weights.ts";

export interface LoadOptions extends Partial<ProcessOptions> {
  device?: Device;
  /** Overrides the tokenizer found beside the weights (null: none). */
  tokenizer?: TextTokenizer | null;
  /** Weight processing; wins over the flat flags above. Missing keys take TRANSFORMER_LENS_DEFAULTS. */
  processing?: Partial<ProcessOptions>;
  /** Hub client options when the source is a repo id or alias (cache, endpoint, token, revision, offline). */
  hub?: HubDownloadOptions;
  /**
   * How weight matrices are held on the device (default "f32"): "f16" halves their memory (a matrix with values
   * past f16's 65504 stays f32), "bf16" keeps bf16 checkpoints exact. Activations and arithmetic stay f32.
   */
  dtype?: WeightDType;
  /** Most bytes of one weight buffer (default: the device's binding limit); bigger matrices go in row chunks. */
  maxBindingBytes?: number;
}

/** An in-memory checkpoint: the config.json object and HF-named tensors. */
export interface Checkpoint {
  config: unknown;
  tensors: TensorSource;
}

/** The processing options from LoadOptions (processing, then flat flags, then TransformerLens defaults). */
export function processingOf(o: LoadOptions): ProcessOptions {
  const pick = (k: keyof ProcessOptions) => o.processing?.[k] ?? o[k] ?? TRANSFORMER_LENS_DEFAULTS[k];
  return {
    foldLn: pick("foldLn"),
    centerWritingWeights: pick("centerWritingWeights"),
    centerUnembed: pick("centerUnembed"),
    foldValueBiases: pick("foldValueBiases"),
  };
}

/** config + tensors -> the model, processed as asked. */
export async function buildModel(
  config: unknown,
  configFile: string,
  tensors: TensorSource,
  file: string,
  tokenizer: TextTokenizer | null,
  o: LoadOptions,
): Promise<HookedTransformer> {
  const { family, fields } = familyOf(config, configFile);
  const cfg: ModelConfig = withTokenizerBos(family.config(fields), tokenizer);
  const raw = family.params(cfg, new HfTensors(tensors, file, describe(cfg)));
  const params = processParams(raw, cfg, processingOf(o));
  const upload = { dtype: o.dtype, maxBindingBytes: o.maxBindingBytes };
  return new HookedTransformer(o.device ?? (await getDevice()), cfg, params, tokenizer, upload);
}

/**
 * BOS as TransformerLens prepends it: the tokenizer's bos_token (Llama 2's <s> = 1 even where config.json says
 * otherwise), falling back to config.json's bos_token_id when the tokenizer names none (Qwen 2) or names one past
 * the model's vocabulary (a tokenizer that does not belong to the weights; padding must stay a valid id).
 */
function withTokenizerBos(cfg: ModelConfig, tokenizer: TextTokenizer | null): ModelConfig {
  const bos = tokenizer?.bosTokenId;
  return typeof bos === "number" && bos < cfg.dVocab ? { ...cfg, bosTokenId: bos } : cfg;
}

export function describe(cfg: ModelConfig): string {
  const heads = `heads ${cfg.nHeads}/${cfg.nKvHeads} x ${cfg.dHead}`;
  const sizes = `d_model ${cfg.dModel}, ${heads}, d_mlp ${cfg.dMlp}, vocab ${cfg.dVocab}`;
  return `{${cfg.family}: layers ${cfg.nLayers}, ${sizes}}`;
}

/** Any supported family from an in-memory checkpoint (config.json's object and HF-named tensors). */
export function loadModelFromCheckpoint(checkpoint: Checkpoint, options: LoadOptions = {}): Promise<HookedTransformer> {
  return buildModel(checkpoint.config, "<config>", checkpoint.tensors, "<tensors>", options.tokenizer ?? null, options);
}
