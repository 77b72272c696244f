// Loading a model from a base URL with `fetch` (browsers, Deno, bundles: no file system): config.json,
// model.safetensors and the tokenizer beside them (vocab.json + merges.txt for GPT-2's byte-level BPE families,
// else tokenizer.json [+ tokenizer_config.json]; none: token ids only). The bundled model served as static files
// loads this way (loadModelFromUrl(baseUrl); under Node also loadBundled({ baseUrl })). Not sharded checkpoints
// (model.safetensors.index.json): a folder or the hub client reads those (load_model.ts).
import { fetchBytes, fetchOptionalBytes, fetchText, joinUrl, type FetchUrlOptions } from "@sae/hub";
import { FormatError, readSafetensors } from "@sae/tensor-core";
import { familyOf } from "../families/registry.ts";
import { Gpt2Tokenizer } from "../tokenizer/gpt2.ts";
import { HfTokenizer } from "../tokenizer/hf_tokenizer.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { buildModel, type LoadOptions } from "./build_model.ts";
import type { TextTokenizer } from "./tokens.ts";

export interface UrlLoadOptions extends LoadOptions, FetchUrlOptions {}

const GPT2_BPE_FAMILIES = ["gpt2", "gpt_neo"];

function json(text: string, url: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${url}: cannot read ${what} (${(e as Error).message})`);
  }
}

async function optionalText(url: string, o: FetchUrlOptions): Promise<string | null> {
  const bytes = await fetchOptionalBytes(url, o);
  return bytes && new TextDecoder().decode(bytes);
}

async function tokenizerAt(base: string, modelType: string, o: FetchUrlOptions): Promise<TextTokenizer | null> {
  const at = (f: string) => joinUrl(base, f);
  if (GPT2_BPE_FAMILIES.includes(modelType)) {
    const [vocab, merges] = await Promise.all([optionalText(at("vocab.json"), o), optionalText(at("merges.txt"), o)]);
    if (vocab !== null && merges !== null) {
      return Gpt2Tokenizer.fromFiles(vocab, merges, { vocabFile: at("vocab.json"), mergesFile: at("merges.txt") });
    }
  }
  const tok = await optionalText(at("tokenizer.json"), o);
  if (tok === null) return null;
  const cfg = await optionalText(at("tokenizer_config.json"), o);
  const config = cfg === null ? {} : json(cfg, at("tokenizer_config.json"), "the tokenizer config");
  const file = at("tokenizer.json");
  return new HfTokenizer(json(tok, file, "the tokenizer"), config as Record<string, unknown>, file);
}

/** Any supported family from a Hugging Face-format folder served over HTTP at baseUrl. */
export async function loadModelFromUrl(baseUrl: string, options: UrlLoadOptions = {}): Promise<HookedTransformer> {
  const configUrl = joinUrl(baseUrl, "config.json");
  const config = json(await fetchText(configUrl, options), configUrl, "the model config");
  familyOf(config, configUrl); // an unsupported model_type fails before the weights are fetched
  const weightsUrl = joinUrl(baseUrl, "model.safetensors");
  const modelType = String((config as { model_type?: unknown }).model_type ?? "gpt2");
  const [bytes, tokenizer] = await Promise.all([
    fetchBytes(weightsUrl, options),
    options.tokenizer === undefined ? tokenizerAt(baseUrl, modelType, options) : options.tokenizer,
  ]);
  const { tensors } = readSafetensors(bytes, { file: weightsUrl });
  return buildModel(config, configUrl, tensors, weightsUrl, tokenizer, options);
}
