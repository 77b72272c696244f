// A model from a Hugging Face-format checkpoint whose files arrive as bytes (browsers, Deno, bundles: no file
// system): config.json (model_type picks the family), model.safetensors or the shards a model.safetensors.index.json
// names, and the tokenizer beside them (vocab.json + merges.txt for GPT-2's byte-level BPE families, else
// tokenizer.json [+ tokenizer_config.json]; none: token ids only). The bytes come from a ByteSource: a base URL
// (load_url.ts: loadModelFromUrl) or a hub repo through hubFetchBytes (load_hub.ts: loadModelFromHub). Ends in
// buildModel, as the folder loader (load_model.ts) does.
import { NotFoundError } from "@sae/hub";
import { FormatError, readSafetensors } from "@sae/tensor-core";
import { familyOf } from "../families/registry.ts";
import { Gpt2Tokenizer } from "../tokenizer/gpt2.ts";
import { HfTokenizer } from "../tokenizer/hf_tokenizer.ts";
import { buildModel, type LoadOptions } from "./build_model.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import type { TextTokenizer } from "./tokens.ts";
import type { TensorSource } from "./weights.ts";

/** Where a checkpoint's files come from as bytes. */
export interface ByteSource {
  /** What a file is called in messages (its URL, or repo/file). */
  name(file: string): string;
  read(file: string): Promise<Uint8Array>;
  /** The file's bytes, or null when the server has no such file (HTTP 404). */
  optional(file: string): Promise<Uint8Array | null>;
}

const GPT2_BPE_FAMILIES = ["gpt2", "gpt_neo"];

function json(bytes: Uint8Array, file: string, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FormatError(`${file}: cannot read ${what} (${(e as Error).message})`);
  }
}

async function optionalText(src: ByteSource, file: string): Promise<string | null> {
  const bytes = await src.optional(file);
  return bytes && new TextDecoder().decode(bytes);
}

async function tokenizerOf(src: ByteSource, modelType: string): Promise<TextTokenizer | null> {
  if (GPT2_BPE_FAMILIES.includes(modelType)) {
    const [vocab, merges] = await Promise.all([optionalText(src, "vocab.json"), optionalText(src, "merges.txt")]);
    if (vocab !== null && merges !== null) {
      const files = { vocabFile: src.name("vocab.json"), mergesFile: src.name("merges.txt") };
      return Gpt2Tokenizer.fromFiles(vocab, merges, files);
    }
  }
  const tok = await src.optional("tokenizer.json");
  if (tok === null) return null;
  const cfg = await src.optional("tokenizer_config.json");
  const config = cfg === null ? {} : json(cfg, src.name("tokenizer_config.json"), "the tokenizer config");
  const file = src.name("tokenizer.json");
  return new HfTokenizer(json(tok, file, "the tokenizer"), config as Record<string, unknown>, file);
}

/** model.safetensors, or every shard model.safetensors.index.json names, as one name -> tensor map. */
async function weightsOf(src: ByteSource): Promise<{ tensors: TensorSource; file: string }> {
  const single = await src.optional("model.safetensors");
  if (single !== null) {
    const file = src.name("model.safetensors");
    return { tensors: readSafetensors(single, { file }).tensors, file };
  }
  const indexBytes = await src.optional("model.safetensors.index.json");
  if (indexBytes === null) {
    const why = "and no model.safetensors.index.json (a model folder holds config.json and one of them)";
    throw new NotFoundError(`${src.name("model.safetensors")} not found: HTTP 404, ${why}`);
  }
  const indexFile = src.name("model.safetensors.index.json");
  const index = json(indexBytes, indexFile, "the shard index") as { weight_map?: Record<string, string> };
  if (!index || typeof index.weight_map !== "object") throw new FormatError(`${indexFile}: no "weight_map" object`);
  const shards = [...new Set(Object.values(index.weight_map))];
  const tensors = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>();
  for (const [i, bytes] of (await Promise.all(shards.map((s) => src.read(s)))).entries()) {
    for (const [name, t] of readSafetensors(bytes, { file: src.name(shards[i]) }).tensors) tensors.set(name, t);
  }
  for (const name of Object.keys(index.weight_map)) {
    if (!tensors.has(name)) {
      throw new FormatError(`${indexFile}: tensor "${name}" is not in its shard ${index.weight_map[name]}`);
    }
  }
  return { tensors, file: indexFile };
}

/** Any supported family from the files of a ByteSource. */
export async function loadModelFromBytes(src: ByteSource, options: LoadOptions = {}): Promise<HookedTransformer> {
  const configFile = src.name("config.json");
  const config = json(await src.read("config.json"), configFile, "the model config");
  familyOf(config, configFile); // an unsupported model_type fails before the weights are fetched
  const modelType = String((config as { model_type?: unknown }).model_type ?? "gpt2");
  const [{ tensors, file }, tokenizer] = await Promise.all([
    weightsOf(src),
    options.tokenizer === undefined ? tokenizerOf(src, modelType) : options.tokenizer,
  ]);
  return buildModel(config, configFile, tensors, file, tokenizer, options);
}
