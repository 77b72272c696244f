// @sae/core/node: what reads or writes the file system (Node, Bun, Deno): SAE folders in the SAELens layout,
// pretrained releases through the hub client's disk cache and the SAELens conversions (which read the downloaded
// files), hook_z runs, transcoder folders and feature-data files. The main entry (@sae/core) has the Sae class,
// Sae.fromBytes / Sae.fromUrl, the architectures and the analysis, and works in browsers.
export { loadSae, loadHookZ } from "./load.ts";
export { readSaeFolder, saveSae, readConfigFile, readWeights } from "./checkpoint.ts";
export { loadPretrainedSae, pretrainedHost, resolvePretrained, type ResolvedPretrained } from "./pretrained_load.ts";
export { CONVERSIONS, isConversionName } from "./convert/registry.ts";
export { buildHostSae } from "./convert/build.ts";
export { readNpy, readNpz } from "./convert/npy.ts";
export { loadSparsifyDir } from "./convert/sparsify.ts";
export { hookZConfig, hookZConfigPath, readHookZ } from "./convert_hook_z.ts";
export { loadTranscoder, saveTranscoder } from "./transcoder_files.ts";
export {
  writeFeatureData,
  openFeatureData,
  FEATURE_INDEX_FILE,
  FEATURE_RECORDS_FILE,
} from "./analysis/feature_file.ts";
