// Loading GPT-2: from a Hugging Face-format folder (config.json + model.safetensors [+ vocab.json, merges.txt]),
// from in-memory {config, tensors}, from the Hugging Face hub, or the bundled tiny Shakespeare model (no download).
// These go through the same path as loadModel (load_model.ts) but insist on a GPT-2 config. Reads files
// (@sae/transformer/node); browsers load the bundled model with loadModelFromUrl (load_url.ts).
// Weight processing defaults to TransformerLens's from_pretrained defaults (see process.ts and the README).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FetchUrlOptions } from "@sae/hub";
import { FormatError } from "@sae/tensor-core";
import { parseGpt2Config } from "./config.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { hubSource } from "./hub_source.ts";
import { buildModel, type LoadOptions } from "./build_model.ts";
import { bundledModelDir, folderSource, loadModel } from "./load_model.ts";
import { loadModelFromUrl } from "./load_url.ts";
import type { TensorSource } from "./weights.ts";

export type { LoadOptions };
export { bundledModelDir };

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

/** A GPT-2 hub repo through loadModel's hub source (the HF cache; vocab.json + merges.txt as the tokenizer). */
export async function loadGpt2FromHub(repoId: string, options: LoadOptions = {}): Promise<HookedTransformer> {
  const src = hubSource(repoId, options.hub);
  const configFile = await src.path("config.json");
  gpt2Only(readJson(configFile), configFile);
  return loadModel(src, options);
}

/**
 * The bundled tiny Shakespeare model and its 2048-token BPE tokenizer; works offline. With `baseUrl` (browsers, or
 * any runtime without the package's files on disk) it is fetched from there: serve the package's
 * assets/tiny-shakespeare/ folder (config.json, model.safetensors, vocab.json, merges.txt) as static files.
 */
export function loadBundled(
  options: LoadOptions & FetchUrlOptions & { baseUrl?: string } = {},
): Promise<HookedTransformer> {
  const { baseUrl, ...rest } = options;
  if (baseUrl !== undefined) {
    return loadModelFromUrl(baseUrl, rest);
  }
  return loadGpt2(bundledModelDir(), rest);
}
