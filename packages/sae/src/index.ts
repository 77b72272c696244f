// @sae/core public surface. Everything other packages may use is listed here by name.

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
export { writeFeatureData, openFeatureData, FEATURE_INDEX_FILE, FEATURE_RECORDS_FILE } from "./analysis/feature_file.ts";
export {
  featureLogitRow,
  featureLogitEffects,
  promptLogitAttribution,
  singleTokenId,
  hostDecoder,
  type LogitEffects,
  type FeatureContribution,
  type PromptAttribution,
} from "./analysis/logits.ts";
export { featureLogitEffectsGpu } from "./analysis/logits_gpu.ts";
export { ablateFeatures, ablatedActivation, nextTokenLosses, type AblationResult } from "./analysis/ablate.ts";
export { checkFeatureIndices, checkSteerFeatures } from "./analysis/checks.ts";
export { steerGenerate, steeringVector, addVectorHook, type SteerOptions, type SteerResult } from "./analysis/steer.ts";
export { asAnalysisModel, asAnalysisSae, type HookedTransformerLike, type SaeLike } from "./analysis/adapter.ts";
export { neuronpediaUrl, resJbNeuronpediaId, NEURONPEDIA_BASE } from "./analysis/neuronpedia.ts";
export { FakeModel, FakeSae, FAKE_HOOK, sampleToken } from "./analysis/fakes.ts";
