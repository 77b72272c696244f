// Loading a model from a base URL with `fetch` (browsers, Deno, bundles: no file system): the files of a Hugging
// Face-format folder served over HTTP (config.json, model.safetensors or a sharded index, the tokenizer beside
// them), read through @sae/hub's fetchBytes (timeouts, retries, length checks) and built by loadModelFromBytes
// (load_bytes.ts). The bundled model served as static files loads this way (loadModelFromUrl(baseUrl); under Node
// also loadBundled({ baseUrl })). A hub repo by id: loadModelFromHub (load_hub.ts).
import { fetchBytes, fetchOptionalBytes, joinUrl, type FetchUrlOptions } from "@sae/hub";
import type { LoadOptions } from "./build_model.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { type ByteSource, loadModelFromBytes } from "./load_bytes.ts";

export interface UrlLoadOptions extends LoadOptions, FetchUrlOptions {}

/** The files under a base URL (relative to the page in browsers). */
export function urlSource(baseUrl: string, o: FetchUrlOptions = {}): ByteSource {
  return {
    name: (file) => joinUrl(baseUrl, file),
    read: (file) => fetchBytes(joinUrl(baseUrl, file), o),
    optional: (file) => fetchOptionalBytes(joinUrl(baseUrl, file), o),
  };
}

/** Any supported family from a Hugging Face-format folder served over HTTP at baseUrl. */
export async function loadModelFromUrl(baseUrl: string, options: UrlLoadOptions = {}): Promise<HookedTransformer> {
  return loadModelFromBytes(urlSource(baseUrl, options), options);
}
