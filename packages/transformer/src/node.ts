// @sae/transformer/node: loading models and tokenizers from the file system (Node, Bun, Deno): a Hugging Face folder,
// a hub repo through the hub client's disk cache, the bundled tiny Shakespeare model (and the folder of the SAE
// trained on it, bundledSaeDir), tokenizer files. The main entry (@sae/transformer) has the model itself,
// loadModelFromUrl, loadModelFromCheckpoint and bundledSaeUrl, and works in browsers.
export { loadGpt2, loadGpt2FromHub, loadBundled, bundledModelDir, type Gpt2Checkpoint } from "./model/load.ts";
export { loadModel, folderSource, resolveModelSource, bundledSaeDir, type ModelSource } from "./model/load_model.ts";
export { hubSource } from "./model/hub_source.ts";
export { gpt2TokenizerFromDir, gpt2Tokenizer, hfTokenizerFromFiles } from "./tokenizer/files.ts";
