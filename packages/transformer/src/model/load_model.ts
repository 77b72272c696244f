// loadModel: any supported family from a Hugging Face-format checkpoint: config.json (model_type picks the family,
// families/registry.ts) and model.safetensors or a sharded model.safetensors.index.json, F32/F16/BF16. The files
// come from a ModelSource: a local folder, or a hub repo (hub_source.ts) when the name is not a folder (a
// TransformerLens alias resolves to its repo id, aliases.ts). Weight processing defaults to TransformerLens's
// from_pretrained defaults; NO_PROCESSING gives Hugging Face's activations. The tokenizer: load_tokenizer.ts.
// Reads files (@sae/transformer/node); building from what is in memory is build_model.ts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HubDownloadOptions } from "@sae/hub/node";
import { FormatError } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { familyOf } from "../families/registry.ts";
import { resolveModelName } from "./aliases.ts";
import { buildModel, loadModelFromCheckpoint, type Checkpoint, type LoadOptions } from "./build_model.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { BUNDLED_SAE_FOLDER } from "./bundled_sae.ts";
import { hubSource } from "./hub_source.ts";
import { tokenizerFrom } from "./load_tokenizer.ts";
import type { TensorSource } from "./weights.ts";

/** Where a checkpoint's files come from. A folder is one; a hub repo (download + cache) plugs in the same way. */
export interface ModelSource {
  /** For messages: the folder or repo id. */
  label: string;
  has(file: string): Promise<boolean>;
  /** The local path of the file (fetched first if the source is remote). */
  path(file: string): Promise<string>;
}

export function folderSource(dir: string): ModelSource {
  return { label: dir, has: async (f) => existsSync(join(dir, f)), path: async (f) => join(dir, f) };
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(`${file}: cannot read ${what} (${(e as Error).message})`);
  }
}

/** model.safetensors, or every shard named by model.safetensors.index.json, as one name -> tensor map. */
async function readWeights(src: ModelSource): Promise<{ tensors: TensorSource; file: string }> {
  if (await src.has("model.safetensors")) {
    const file = await src.path("model.safetensors");
    return { tensors: loadSafetensorsFile(file).tensors, file };
  }
  if (!(await src.has("model.safetensors.index.json"))) {
    throw new FormatError(
      `${src.label}: no model.safetensors or model.safetensors.index.json ` +
        "(a model folder holds config.json and one of them)",
    );
  }
  const indexFile = await src.path("model.safetensors.index.json");
  const index = readJson(indexFile, "the shard index") as { weight_map?: Record<string, string> };
  if (!index || typeof index.weight_map !== "object") throw new FormatError(`${indexFile}: no "weight_map" object`);
  const tensors = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>();
  for (const shard of new Set(Object.values(index.weight_map))) {
    const file = await src.path(shard);
    for (const [name, t] of loadSafetensorsFile(file).tensors) tensors.set(name, t);
  }
  for (const name of Object.keys(index.weight_map)) {
    if (!tensors.has(name)) {
      throw new FormatError(`${indexFile}: tensor "${name}" is not in its shard ${index.weight_map[name]}`);
    }
  }
  return { tensors, file: indexFile };
}

/** The folder of the bundled tiny GPT-2 trained on Tiny Shakespeare (see its TRAINING.md). */
export function bundledModelDir(): string {
  return fileURLToPath(new URL("../../assets/tiny-shakespeare/", import.meta.url));
}

/** The folder of the SAE trained on the bundled model (SAELens layout; its SOURCE.md): what `--sae bundled` names. */
export function bundledSaeDir(): string {
  return join(bundledModelDir(), BUNDLED_SAE_FOLDER);
}

/**
 * A folder when one exists at `name` ("tiny-shakespeare": the bundled model), else a hub repo: a TransformerLens
 * alias (gpt2-small, ...) or a repo id.
 */
export function resolveModelSource(name: string, hub: HubDownloadOptions = {}): ModelSource {
  if (name === "tiny-shakespeare") return folderSource(bundledModelDir());
  if (existsSync(name)) return folderSource(name);
  if (/^[./~]|\\/.test(name)) throw new FormatError(`${name}: no such model folder`);
  return hubSource(resolveModelName(name), hub);
}

/** Any supported family from a folder, a hub repo id or alias, a ModelSource, or an in-memory checkpoint. */
export async function loadModel(
  source: string | ModelSource | Checkpoint,
  options: LoadOptions = {},
): Promise<HookedTransformer> {
  if (typeof source === "object" && "tensors" in source) return loadModelFromCheckpoint(source, options);
  const src = typeof source === "string" ? resolveModelSource(source, options.hub) : source;
  if (!(await src.has("config.json"))) {
    throw new FormatError(`${src.label}: no config.json (not a Hugging Face model folder)`);
  }
  const configFile = await src.path("config.json");
  const config = readJson(configFile, "the model config");
  familyOf(config, configFile); // an unsupported model_type fails before any weights are read
  const { tensors, file } = await readWeights(src);
  const modelType = String((config as { model_type?: unknown }).model_type ?? "gpt2");
  const tokenizer = options.tokenizer === undefined ? await tokenizerFrom(src, modelType) : options.tokenizer;
  return buildModel(config, configFile, tensors, file, tokenizer, options);
}
