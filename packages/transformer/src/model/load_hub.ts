// A model by Hugging Face repo id (or TransformerLens alias, aliases.ts) without a file system (browsers, Deno,
// workers; Node and Bun too): each file of the repo is fetched as bytes through @sae/hub's hubFetchBytes (timeouts,
// retries, size and checksum checks, HF_TOKEN or `token` for gated repos) with an optional pluggable cache
// (MemoryHubCache, CacheStorageHubCache in browsers, FileHubCache from @sae/hub/node), then built as any byte
// checkpoint (load_bytes.ts: config.json, model.safetensors or its shards, the tokenizer). The disk-cache loader
// (hubDownload into huggingface_hub's cache folder) is loadModel in @sae/transformer/node (hub_source.ts).
import { DownloadError, hubFetchBytes, NotFoundError, type HubBytesOptions } from "@sae/hub";
import { resolveModelName } from "./aliases.ts";
import type { LoadOptions } from "./build_model.ts";
import type { HookedTransformer } from "./hooked_transformer.ts";
import { type ByteSource, loadModelFromBytes } from "./load_bytes.ts";

export interface HubLoadOptions extends Omit<LoadOptions, "hub">, HubBytesOptions {}

/** The files of a hub repo as bytes; an absent file (404, or offline and not cached) is null for `optional`. */
export function hubByteSource(repoId: string, o: HubBytesOptions = {}): ByteSource {
  const got = new Map<string, Promise<Uint8Array>>();
  const read = (file: string): Promise<Uint8Array> => {
    let p = got.get(file);
    if (!p) {
      p = hubFetchBytes(repoId, file, o);
      got.set(file, p);
    }
    return p;
  };
  return {
    name: (file) => `${repoId}/${file}`,
    read,
    optional: (file) =>
      read(file).catch((e: unknown) => {
        if (e instanceof NotFoundError || (o.offline && e instanceof DownloadError)) return null;
        throw e;
      }),
  };
}

/** Any supported family from a hub repo id or TransformerLens alias, its files fetched as bytes. */
export async function loadModelFromHub(id: string, options: HubLoadOptions = {}): Promise<HookedTransformer> {
  return loadModelFromBytes(hubByteSource(resolveModelName(id), options), options);
}
