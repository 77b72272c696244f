// @sae/train public surface: config + flags, data sources, activation store and cache, trainer, checkpoints,
// evaluation metrics and runner, the HTML report, and the end-to-end trainSae run.
export { CONFIG_FIELDS, CONFIG_KEYS, DEFAULT_CONFIG, resolveConfig, completeDims, checkValue, totalSteps, type TrainConfig, type Architecture, type LrSchedulerName } from "./config.ts";
export {
  parseFlags,
  readConfigFile,
  configFromArgs,
  flagHelp,
  flagOf,
  helpTable,
  numberFlag,
  type ParsedArgs,
  type FlagKind,
  type FlagSpec,
  type FlagValues,
} from "./flags.ts";
export { fromSaeLensConfig } from "./saelens_config.ts";
export { editDistance, closest, didYouMean } from "./suggest.ts";
export { ConfigError, DatasetError, DivergedError, CheckpointError } from "./errors.ts";
export { lrAt, l1CoefficientAt, type LrSchedule } from "./schedule.ts";
export { LineReader } from "./data/line-reader.ts";
export { TextSource, JsonlSource, TokenFileSource, openDataset, type TokenSource, type OpenDatasetOptions } from "./data/sources.ts";
export { PromptStream, type PromptOptions } from "./data/prompts.ts";
export { bundledDataset } from "./data/bundled.ts";
export { concatAndBatch, type ConcatOptions } from "./data/concat-batch.ts";
export { HubDatasetFiles, listHubDatasetFiles, pickTrainFiles, looksLikeHubDataset, type HubDatasetOptions } from "./data/hub-dataset.ts";
export { RowFilesSource, LocalDataFiles, type DataFiles } from "./data/file-source.ts";
export { ParquetRowReader, LineRowReader, rowReaderFor, type Row, type RowReader } from "./data/row-readers.ts";
export {
  PretokenizedSource,
  writePretokenized,
  readPretokenizedMetadata,
  isPretokenizedDir,
  PRETOKENIZED_FORMAT,
  type PretokenizedMetadata,
} from "./data/pretokenized.ts";
export { pretokenizeDataset, type PretokenizeOptions } from "./data/pretokenize-run.ts";
export { cacheActivations, type CacheActivationsOptions } from "./cache-activations.ts";
export {
  ShardedCacheWriter,
  ShardedCacheReader,
  openActivationCache,
  anyCacheMatches,
  readShardsIndex,
  SHARDS_FORMAT,
  type ShardsIndex,
  type ActivationBlocks,
} from "./store/cache-shards.ts";
export type { TextTokenizer } from "./data/tokenizer.ts";
export { ActivationStore, type StoreOptions, type StoreState } from "./store/activation-store.ts";
export { Throughput, type Rates } from "./store/throughput.ts";
export { ModelProducer, CacheProducer, type HookActivations, type Block, type BlockProducer, type ModelProducerOptions } from "./store/producers.ts";
export { ActivationCacheWriter, ActivationCacheReader, cacheMatches, type ActivationCacheHeader } from "./store/activation-cache.ts";
export { Trainer, type StepMetrics, type TrainerOptions, type TrainerTensors } from "./trainer.ts";
export {
  writeCheckpoint,
  readState,
  restoreTrainer,
  latestCheckpoint,
  listCheckpoints,
  checkComplete,
  cleanTemp,
  isTempName,
  paramsOf,
  TRAINER_STATE_FILE,
  type CheckpointInput,
  type LoadedState,
} from "./checkpoint.ts";
export { saveSae } from "./sae-io.ts";
export { ModelHook } from "./model-hooks.ts";
export {
  ReconstructionAccumulator,
  densityMetrics,
  histogram,
  crossEntropyPerToken,
  klDivPerToken,
  ceLossScore,
  klDivScore,
  mean,
  type ReconstructionMetrics,
  type FeatureMetrics,
  type DensityMetrics,
  type Histogram,
} from "./eval/metrics.ts";
export { evaluateSae, formatEvalTable, type EvalHook, type EvalSae, type EvalOptions, type EvalResult } from "./eval/evaluate.ts";
export { weightMetrics, type WeightMetrics } from "./eval/weights.ts";
export { renderReport, type ReportInput } from "./report/html.ts";
export { lineChart, barChart, escapeHtml, type Series } from "./report/svg.ts";
export { JsonlLogger, readRecords, readStepMetrics, type MetricsLogger } from "./logger.ts";
export {
  ProgressBar,
  formatBytes,
  formatCount,
  formatDuration,
  type ProgressBarOptions,
  type ProgressStream,
  type ProgressFields,
} from "./progress.ts";
export { downloadProgress } from "./download-progress.ts";
export { DivergenceGuard, EXPLOSION } from "./divergence.ts";
export { openRunDir, runPrefix, type RunDir } from "./run-dir.ts";
export { trainSae, type TrainRunOptions, type TrainRunResult } from "./run.ts";
