// @sae/train/node: training runs and data on disk (Node, Bun, Deno): trainSae (a whole run: model, dataset,
// checkpoints, metrics log, report), datasets from files and the Hugging Face hub, pretokenized folders, activation
// caches, checkpoints and resuming, run folders, `--config` files. The main entry (@sae/train) has the config, the
// activation store, the trainer on given activations and the evaluation, and works in browsers.
export { readConfigFile, configFromArgs } from "./config-file.ts";
export { LineReader } from "./data/line-reader.ts";
export { TextSource, JsonlSource, TokenFileSource, openDataset, type OpenDatasetOptions } from "./data/sources.ts";
export { bundledDataset } from "./data/bundled.ts";
export {
  HubDatasetFiles,
  listHubDatasetFiles,
  pickTrainFiles,
  looksLikeHubDataset,
  type HubDatasetOptions,
} from "./data/hub-dataset.ts";
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
export {
  ActivationCacheWriter,
  ActivationCacheReader,
  cacheMatches,
  type ActivationCacheHeader,
} from "./store/activation-cache.ts";
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
export { JsonlLogger, readRecords, readStepMetrics } from "./logger.ts";
export { openRunDir, runPrefix, withRunLock, RUN_LOCK_FILE, type RunDir } from "./run-dir.ts";
export { trainSae, type TrainRunOptions, type TrainRunResult } from "./run.ts";
