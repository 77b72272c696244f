// @sae/transformer public surface. Everything a later package may use is listed here by name. Loading from folders,
// the hub cache on disk or the bundled model's files is in @sae/transformer/node (src/node.ts); this entry loads from
// URLs (loadModelFromUrl), a hub repo by id over fetch with a pluggable cache (loadModelFromHub) and tensors in memory
// (loadModelFromCheckpoint), and imports no `node:` module.
export { Gpt2Tokenizer, type Gpt2TokenizerOptions, type EncodeOptions } from "./tokenizer/gpt2.ts";
export { gpt2PreTokenize, GPT2_PRETOKEN_PATTERN, splitOnSpecial, parseMerges, bpeMerge, pairKey } from "./tokenizer/bpe.ts";
export { BYTE_TO_CHAR, textToByteChars, byteCharsToBytes, decodeUtf8 } from "./tokenizer/bytes.ts";
export {
  HookedTransformer,
  type KvCache,
  type RunOptions,
  type RunResult,
  type RunWithCacheOptions,
  type Unembedding,
} from "./model/hooked_transformer.ts";
export { loadModelFromCheckpoint, type LoadOptions, type Checkpoint } from "./model/build_model.ts";
export { loadModelFromUrl, urlSource, type UrlLoadOptions } from "./model/load_url.ts";
export { bundledSaeUrl, BUNDLED_SAE_FOLDER } from "./model/bundled_sae.ts";
export { loadModelFromBytes, type ByteSource } from "./model/load_bytes.ts";
export { loadModelFromHub, hubByteSource, type HubLoadOptions } from "./model/load_hub.ts";
export { MODEL_ALIASES, resolveModelName } from "./model/aliases.ts";
export { HfTokenizer } from "./tokenizer/hf_tokenizer.ts";
export { parseGpt2Config, type Gpt2Config } from "./model/config.ts";
export { type ModelConfig, type Llama3RopeScaling } from "./model/arch.ts";
export { FAMILIES, parseModelConfig, type ModelType } from "./families/registry.ts";
export { type Family } from "./families/family.ts";
export { paramsFromHf, type Gpt2Params, type Gpt2Block, type HostParam, type TensorSource } from "./model/weights.ts";
export { type ModelParams, type BlockParams } from "./model/params.ts";
export { formatWeightMemory, type Weight, type WeightDType } from "./model/device_weights.ts";
export { processWeights, processParams, TRANSFORMER_LENS_DEFAULTS, NO_PROCESSING, type ProcessOptions } from "./model/process.ts";
export { dtypeFromKwargs, processingFromKwargs, TL_DTYPE_NAME, weightDtypeOf } from "./model/pretrained_kwargs.ts";
export {
  BLOCK_HOOKS,
  hookNamesFor,
  hookLayer,
  UnknownHookError,
  type BlockHook,
  type HookContext,
  type HookFn,
} from "./model/hooks.ts";
export { generate, GENERATE_DEFAULTS, type GenerateOptions, type GenerateResult } from "./model/generate.ts";
export { fullLogits, logitBlockRows, logitRows, unembedRows, type LogitRows } from "./model/logit_rows.ts";
export {
  forEachLogitBlock,
  hostLogitRows,
  klDivRows,
  logitRunStats,
  logSoftmaxRow,
  nextTokenLosses,
  topLogits,
} from "./model/logit_stats.ts";
export {
  padBatch,
  toBatch,
  defaultPrependBos,
  type TokenBatch,
  type ModelInput,
  type TextTokenizer,
  type ToTokensOptions,
} from "./model/tokens.ts";
