// Loading GPT-2: from a Hugging Face-format folder (config.json + model.safetensors [+ vocab.json, merges.txt]),
// from in-memory {config, tensors}, from the Hugging Face hub, or the bundled tiny Shakespeare model (no download).
// Weight processing defaults to TransformerLens's from_pretrained defaults (see process.ts and the README).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, getDevice, hubDownload, loadSafetensorsFile, type Device, type HubDownloadOptions } from "@sae/tensor-core";
import { Gpt2Tokenizer } from "../tokenizer/gpt2.ts";
import { parseGpt2Config, type Gpt2Config } from "./config.ts";
import { HookedTransformer } from "./gpt2.ts";
import { processWeights, TRANSFORMER_LENS_DEFAULTS, type ProcessOptions } from "./process.ts";
import type { TextTokenizer } from "./tokens.ts";
import { paramsFromHf, type TensorSource } from "./weights.ts";

export interface LoadOptions extends Partial<ProcessOptions> {
  device?: Device;
  /** Overrides the tokenizer found beside the weights. */
  tokenizer?: TextTokenizer | null;
}

/** An in-memory checkpoint: the config.json object and HF-named tensors. */
export interface Gpt2Checkpoint {
  config: unknown;
  tensors: TensorSource;
}

function readConfig(file: string): Gpt2Config {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(`${file}: cannot read GPT-2 config (${(e as Error).message})`);
  }
  return parseGpt2Config(json, file);
}

async function build(cfg: Gpt2Config, tensors: TensorSource, file: string, tokenizer: TextTokenizer | null, o: LoadOptions): Promise<HookedTransformer> {
  const processing: ProcessOptions = {
    foldLn: o.foldLn ?? TRANSFORMER_LENS_DEFAULTS.foldLn,
    centerWritingWeights: o.centerWritingWeights ?? TRANSFORMER_LENS_DEFAULTS.centerWritingWeights,
    centerUnembed: o.centerUnembed ?? TRANSFORMER_LENS_DEFAULTS.centerUnembed,
    foldValueBiases: o.foldValueBiases ?? TRANSFORMER_LENS_DEFAULTS.foldValueBiases,
  };
  const params = processWeights(paramsFromHf(cfg, tensors, file), processing);
  return new HookedTransformer(o.device ?? (await getDevice()), cfg, params, tokenizer);
}

/** A folder in Hugging Face GPT-2 format, or an in-memory checkpoint. */
export async function loadGpt2(source: string | Gpt2Checkpoint, options: LoadOptions = {}): Promise<HookedTransformer> {
  if (typeof source !== "string") {
    return build(parseGpt2Config(source.config), source.tensors, "<tensors>", options.tokenizer ?? null, options);
  }
  const cfg = readConfig(join(source, "config.json"));
  const weights = join(source, "model.safetensors");
  if (!existsSync(weights)) throw new FormatError(`${weights}: not found (a GPT-2 folder holds config.json and model.safetensors)`);
  const { tensors } = loadSafetensorsFile(weights);
  const tokenizer = options.tokenizer !== undefined ? options.tokenizer : existsSync(join(source, "vocab.json")) ? Gpt2Tokenizer.fromDir(source) : null;
  return build(cfg, tensors, weights, tokenizer, options);
}

/** Downloads (or reuses from the HF cache) config.json, model.safetensors and the tokenizer files of a hub repo. */
export async function loadGpt2FromHub(repoId: string, options: LoadOptions & { hub?: HubDownloadOptions } = {}): Promise<HookedTransformer> {
  const configFile = await hubDownload(repoId, "config.json", options.hub);
  const weights = await hubDownload(repoId, "model.safetensors", options.hub);
  const cfg = readConfig(configFile);
  let tokenizer = options.tokenizer ?? null;
  if (options.tokenizer === undefined) {
    const vocab = await hubDownload(repoId, "vocab.json", options.hub);
    const merges = await hubDownload(repoId, "merges.txt", options.hub);
    tokenizer = Gpt2Tokenizer.fromFiles(readFileSync(vocab, "utf8"), readFileSync(merges, "utf8"), { vocabFile: vocab, mergesFile: merges });
  }
  return build(cfg, loadSafetensorsFile(weights).tensors, weights, tokenizer, options);
}

/** The folder of the bundled tiny GPT-2 trained on Tiny Shakespeare (see its TRAINING.md). */
export function bundledModelDir(): string {
  return fileURLToPath(new URL("../../assets/tiny-shakespeare/", import.meta.url));
}

/** The bundled tiny Shakespeare model and its 2048-token BPE tokenizer; works offline. */
export function loadBundled(options: LoadOptions = {}): Promise<HookedTransformer> {
  return loadGpt2(bundledModelDir(), options);
}
