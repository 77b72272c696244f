// The hub client for runtimes without a file system, or wherever bytes are wanted: one file of a Hugging Face repo
// as bytes over `fetch`, through a pluggable cache. MemoryHubCache (one page, tests), CacheStorageHubCache (a
// browser's Cache Storage: survives reloads) and FileHubCache (hub-bytes-fs.ts: a folder, for Node, Bun and Deno)
// implement HubCache. A file pinned to a commit hash is answered from the cache without a request; a branch or tag
// is fetched, and the cache answers only when the hub is unreachable (with a warning) or offline is set.
// Not hubDownload (hub.ts), which streams to huggingface_hub's cache folder with retries and locks.
import { DownloadError, UnavailableError } from "./errors.ts";
import { fetchBytes, type FetchLike } from "./fetch-url.ts";
import { hubEndpoint, hubFileUrl, isCommitHash, type RepoType } from "./hub-names.ts";
import { processEnv } from "./env.ts";

/** Bytes by key (the file's URL). get answers null when the key is absent. */
export interface HubCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

export class MemoryHubCache implements HubCache {
  private readonly files = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | null> {
    return this.files.get(key) ?? null;
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.files.set(key, bytes);
  }
  get size(): number {
    return this.files.size;
  }
}

/** A browser's Cache Storage (`caches`), one named cache; entries are keyed by the file's URL. */
export class CacheStorageHubCache implements HubCache {
  readonly name: string;
  constructor(name = "sae-hub") {
    if (!("caches" in globalThis)) {
      throw new UnavailableError("Cache Storage (globalThis.caches) is not available here");
    }
    this.name = name;
  }
  async get(key: string): Promise<Uint8Array | null> {
    const res = await (await caches.open(this.name)).match(key);
    return res ? new Uint8Array(await res.arrayBuffer()) : null;
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    await (await caches.open(this.name)).put(key, new Response(new Uint8Array(bytes)));
  }
}

export interface HubBytesOptions {
  revision?: string;
  repoType?: RepoType;
  /** Default: HF_ENDPOINT where there is a process environment, else https://huggingface.co. */
  endpoint?: string;
  /** Sent as a bearer token (default: HF_TOKEN where there is a process environment). */
  token?: string | false;
  /** Default: none (every call fetches). */
  cache?: HubCache;
  /** Use only the cache. */
  offline?: boolean;
  fetch?: FetchLike;
  /** One line when the cache answers for an unreachable hub (default: console.warn). */
  onWarning?: (line: string) => void;
}

/** One file of a hub repo as bytes (fetched, or from o.cache as described above). */
export async function hubFetchBytes(repoId: string, filename: string, o: HubBytesOptions = {}): Promise<Uint8Array> {
  const revision = o.revision ?? "main";
  const endpoint = o.endpoint ?? hubEndpoint();
  const url = hubFileUrl(repoId, filename, revision, endpoint, o.repoType);
  const cached = o.cache ? await o.cache.get(url) : null;
  if (cached && (isCommitHash(revision) || o.offline)) return cached;
  if (o.offline) throw new DownloadError(`hub: offline and ${url} is not in the cache`);
  const token = o.token === false ? undefined : (o.token ?? processEnv().HF_TOKEN);
  try {
    const bytes = await fetchBytes(url, { fetch: o.fetch, headers: token ? { authorization: `Bearer ${token}` } : {} });
    await o.cache?.put(url, bytes);
    return bytes;
  } catch (e) {
    if (!(e instanceof UnavailableError) || !cached) throw e;
    (o.onWarning ?? console.warn)(`warning: ${e.message}; using the cached copy`);
    return cached;
  }
}
