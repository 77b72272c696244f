// Loading GPT-2: from a Hugging Face-format folder (config.json + model.safetensors [+ vocab.json, merges.txt]),
// from in-memory {config, tensors}, from the Hugging Face hub, or the bundled tiny Shakespeare model (no download).
// These go through the same path as loadModel (load_model.ts) but insist on a GPT-2 config.
// Weight processing defaults to TransformerLens's from_pretrained defaults (see process.ts and the README).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, hubDownload, loadSafetensorsFile, type HubDownloadOptions } from "@sae/tensor-core";
import { Gpt2Tokenizer } from "../tokenizer/gpt2.ts";
import { parseGpt2Config } from "./config.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { buildModel, folderSource, loadModel, type LoadOptions } from "./load_model.ts";
import type { TensorSource } from "./weights.ts";

export type { LoadOptions };

/** An in-memory checkpoint: the config.json object and HF-named tensors. */
export interface Gpt2Checkpoint {
  config: unknown;
  tensors: TensorSource;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(`${file}: cannot read GPT-2 config (${(e as Error).message})`);
  }
}

/** A config object checked as GPT-2 (model_type absent or "gpt2"). */
function gpt2Only(config: unknown, file: string): unknown {
  parseGpt2Config(config, file);
  return config;
}

/** A folder in Hugging Face GPT-2 format, or an in-memory checkpoint. */
export async function loadGpt2(source: string | Gpt2Checkpoint, options: LoadOptions = {}): Promise<HookedTransformer> {
  if (typeof source !== "string") {
    const config = gpt2Only(source.config, "<config>");
    return buildModel(config, "<config>", source.tensors, "<tensors>", options.tokenizer ?? null, options);
  }
  const configFile = join(source, "config.json");
  gpt2Only(readJson(configFile), configFile);
  return loadModel(folderSource(source), options);
}

/** Downloads (or reuses from the HF cache) config.json, model.safetensors and the tokenizer files of a hub repo. */
export async function loadGpt2FromHub(repoId: string, options: LoadOptions & { hub?: HubDownloadOptions } = {}): Promise<HookedTransformer> {
  const configFile = await hubDownload(repoId, "config.json", options.hub);
  const weights = await hubDownload(repoId, "model.safetensors", options.hub);
  const config = gpt2Only(readJson(configFile), configFile);
  let tokenizer = options.tokenizer ?? null;
  if (options.tokenizer === undefined) {
    const vocab = await hubDownload(repoId, "vocab.json", options.hub);
    const merges = await hubDownload(repoId, "merges.txt", options.hub);
    tokenizer = Gpt2Tokenizer.fromFiles(readFileSync(vocab, "utf8"), readFileSync(merges, "utf8"), { vocabFile: vocab, mergesFile: merges });
  }
  return buildModel(config, configFile, loadSafetensorsFile(weights).tensors, weights, tokenizer, options);
}

/** The folder of the bundled tiny GPT-2 trained on Tiny Shakespeare (see its TRAINING.md). */
export function bundledModelDir(): string {
  return fileURLToPath(new URL("../../assets/tiny-shakespeare/", import.meta.url));
}

/** The bundled tiny Shakespeare model and its 2048-token BPE tokenizer; works offline. */
export function loadBundled(options: LoadOptions = {}): Promise<HookedTransformer> {
  return loadGpt2(bundledModelDir(), options);
}
