// @sae/train public surface: config + flags, the activation store, the trainer on given activations, evaluation
// metrics and runner, the HTML report, progress bars. No file system: this entry imports no `node:` module, so the
// trainer runs in browsers on activations you give it. Runs and stores on disk (trainSae, checkpoints, datasets and
// activation caches from files or the hub, the metrics log, run folders, `--config` files) are in @sae/train/node
// (src/node.ts).
export { CONFIG_FIELDS, CONFIG_KEYS, DEFAULT_CONFIG, resolveConfig, completeDims, checkValue, runSteps, totalSteps, type TrainConfig, type Architecture, type LrSchedulerName } from "./config.ts";
export {
  parseFlags,
  parseConfigJson,
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
export type { TokenSource } from "./data/sources.ts";
export { PromptStream, type PromptOptions } from "./data/prompts.ts";
export { concatAndBatch, type ConcatOptions } from "./data/concat-batch.ts";
export type { TextTokenizer } from "./data/tokenizer.ts";
export { ActivationStore, type StoreOptions, type StoreState } from "./store/activation-store.ts";
export { Throughput, type Rates } from "./store/throughput.ts";
export { ModelProducer, CacheProducer, type HookActivations, type Block, type BlockProducer, type ModelProducerOptions } from "./store/producers.ts";
export { Trainer, type StepMetrics, type TrainerOptions, type TrainerTensors } from "./trainer.ts";
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
export type { MetricsLogger } from "./logger.ts";
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
