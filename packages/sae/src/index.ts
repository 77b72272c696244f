// @sae/core public surface. Everything other packages may use is listed here by name. No file system: reading and
// writing SAE folders, pretrained downloads into the disk cache and feature files are in @sae/core/node (src/node.ts);
// this entry loads from bytes and URLs (Sae.fromBytes, Sae.fromUrl, loadPretrainedSaeBytes: a release by id over
// fetch with a pluggable cache) and imports no `node:` module, so browsers can use it.

// Analysis (src/analysis): features per token, max-activating examples, logit attribution, steering, ablation.
export type { ActivationHook, SampleOptions, AnalysisModel, AnalysisSaeConfig, AnalysisSae, FeatureValue, TokenValue, SteerFeature } from "./analysis/types.ts";
export { featureActivations, encodeActivation, topFeaturesPerToken, type TokenFeatures } from "./analysis/encode.ts";
export { topOfRow, TopHeap } from "./analysis/topn.ts";
export { FeatureCollector, COLLECT_DEFAULTS, histogram, type ActivationExample, type QuantileBucket, type FeatureStats, type CollectOptions } from "./analysis/collect.ts";
export {
  collectFeatureData,
  sequencesFromText,
  inMemoryFeatures,
  type FeatureRecord,
  type FeatureDataMeta,
  type FeatureData,
  type FeatureSource,
  type CollectFeatureDataOptions,
} from "./analysis/feature_data.ts";
export {
  featureLogitEffects,
  promptLogitAttribution,
  hostDecoder,
  type LogitEffects,
  type FeatureContribution,
  type PromptAttribution,
} from "./analysis/logits.ts";
export { featureLogitEffectsGpu } from "./analysis/logits_gpu.ts";
export { ablateFeatures, nextTokenLosses, type AblationResult } from "./analysis/ablate.ts";
export { checkFeatureIndices, checkSteerFeatures } from "./analysis/checks.ts";
export { steerGenerate, steeringVector, type SteerOptions, type SteerResult } from "./analysis/steer.ts";
export { asAnalysisModel, asAnalysisSae, type HookedTransformerLike, type SaeLike } from "./analysis/adapter.ts";
export { neuronpediaUrl, resJbNeuronpediaId, NEURONPEDIA_BASE } from "./analysis/neuronpedia.ts";

// Core SAE (used by @sae/train): the Sae class, config mapping, architecture contract, data-driven b_dec init.
export { Sae } from "./sae.ts";
export { settleTopkThreshold } from "./arch/batchtopk/threshold.ts";
export { selectsInBlocks } from "./arch/topk/blocks.ts";
export { makeConfig, validateConfig, configFromSaeLens, configToSaeLens, isTopkFamily, SAE_CONFIG_DEFAULTS, ARCHITECTURE_NAMES, type SaeConfig, type ArchitectureName } from "./config.ts";
export type { Architecture, Exported, HostWeights, SaeModel, SaeParams, TrainContext, TrainOutput, TrainStep } from "./arch/contract.ts";
export { ARCHITECTURES, architecture } from "./arch/registry.ts";
export { ghostGrads, type GhostGrads } from "./arch/standard/ghost_grads.ts";
export { initHostParams, meanOf, geometricMedian, activationNormScale } from "./init.ts";
export { NORMALIZE_ACTIVATIONS, type NormalizeActivations } from "./config.ts";
export { SaeConfigError, CheckpointError, PretrainedNotFoundError, HookMismatchError } from "./errors.ts";
export {
  saeFolderFromBytes,
  fileTensorShapes,
  CFG_FILE,
  WEIGHTS_FILE,
  SPARSITY_FILE,
  type SaeBytes,
  type SaeFolder,
} from "./checkpoint_bytes.ts";
export {
  PRETRAINED,
  PRETRAINED_SOURCE,
  pretrainedEntry,
  parsePretrainedRef,
  type PretrainedRelease,
  type PretrainedSae,
  type FromPretrainedOptions,
} from "./pretrained.ts";
export {
  loadPretrainedSaeBytes,
  pretrainedHostBytes,
  hubBytesFiles,
  type PretrainedBytesOptions,
} from "./pretrained_bytes.ts";
export { resolvePretrained, convertPretrained, type ResolvedPretrained, type RepoFiles } from "./pretrained_load.ts";
export { CONVERSIONS, isConversionName, type ConversionName } from "./convert/registry.ts";
export { buildHostSae } from "./convert/build.ts";
export { readNpy, readNpz } from "./convert/npy.ts";
export type { HostSae } from "./convert/build.ts";
export type { Converted, Converter, ConvertContext, ConversionFiles, HostTensor, SourceFile } from "./convert/types.ts";
export { readTorchStateDict, type TorchTensor } from "./torch_pt.ts";
export { RuntimeNorm, LAYER_NORM_EPS, type RuntimeNormMode } from "./runtime_norm.ts";
export { SplicedModel, SAE_HOOKS, isHookZ, type HookableModel, type SaeHookPoint, type SpliceableSae, type SpliceableTranscoder, type SpliceHook, type SpliceHookContext, type SpliceOptions } from "./spliced.ts";
export { foldDecoderNorms } from "./fold.ts";
export {
  Transcoder,
  TRANSCODER_ARCHITECTURES,
  transcoderConfig,
  transcoderShapes,
  transcoderHost,
  isTranscoderConfig,
  type TranscoderConfig,
  type TranscoderArchitecture,
  type TranscoderFolder,
} from "./transcoder.ts";
export { cpuTrainStep, type HostParams, type CpuTrainContext, type CpuTrainResult } from "./cpu/reference.ts";
