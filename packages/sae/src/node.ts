// @sae/core/node: what reads or writes the file system (Node, Bun, Deno): SAE folders in the SAELens layout,
// pretrained releases through the hub client's disk cache (loadPretrainedSae: the downloaded files read from disk,
// then the same conversions as the byte path), hook_z runs, sparsify folders, transcoder folders and feature-data
// files. The main entry (@sae/core) has the Sae class, Sae.fromBytes / Sae.fromUrl, loadPretrainedSaeBytes, the
// SAELens conversions (bytes in), the architectures and the analysis, and works in browsers.
export { loadSae, loadHookZ } from "./load.ts";
export { readSaeFolder, saveSae, readConfigFile, readWeights } from "./checkpoint.ts";
export { loadPretrainedSae, pretrainedHost, hubDiskFiles } from "./pretrained_files.ts";
export { resolvePretrained, type ResolvedPretrained } from "./pretrained_load.ts";
export { loadSparsifyDir } from "./convert/sparsify_dir.ts";
export { hookZConfig, readHookZ } from "./convert_hook_z.ts";
export { hookZConfigPath } from "./convert/connor_rob_hook_z.ts";
export { loadTranscoder, saveTranscoder } from "./transcoder_files.ts";
export {
  writeFeatureData,
  openFeatureData,
  FEATURE_INDEX_FILE,
  FEATURE_RECORDS_FILE,
} from "./analysis/feature_file.ts";
