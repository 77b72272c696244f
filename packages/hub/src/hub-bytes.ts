// The hub client for runtimes without a file system, or wherever bytes are wanted: one file of a Hugging Face repo
// as bytes over `fetch`, through a pluggable cache. MemoryHubCache (one page, tests), CacheStorageHubCache (a
// browser's Cache Storage: survives reloads) and FileHubCache (hub-bytes-fs.ts: a folder, for Node, Bun and Deno)
// implement HubCache. A file pinned to a commit hash is answered from the cache without a request. Otherwise a HEAD
// asks the hub for its size and ETag (hub-metadata.ts); a cached copy they still name is answered without a GET, else
// the file is fetched with hubDownload's policy (hub-fetch.ts: connect and idle timeouts, retries with backoff on
// network errors, timeouts, 5xx and 429, a dropped body resumed with Range; hub-transfer.ts) and checked: its length,
// and the SHA-256 (LFS) or git blob SHA-1 its ETag names; a bad body is a DownloadError and is not cached. When the
// hub is unreachable the cache answers (with a warning); offline reads only the cache.
// Not hubDownload (hub.ts), which streams to huggingface_hub's cache folder under a lock.
import { gitBlobSha1Digest, sha256Digest } from "./digest.ts";
import { DownloadError, UnavailableError } from "./errors.ts";
import { type Ctx, type DigestKind, digestKind, type DownloadProgress, retryPolicy, verify } from "./hub-fetch.ts";
import { authHeaders, fileCtx, headFile, type FollowedMetadata, type HubFileMetadata } from "./hub-metadata.ts";
import type { HubRequestOptions } from "./hub-metadata.ts";
import { isCommitHash } from "./hub-names.ts";
import { fetchResumable, MemorySink } from "./hub-transfer.ts";

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

export interface HubBytesOptions extends HubRequestOptions {
  /** Default: none (every call fetches). */
  cache?: HubCache;
  /** Use only the cache. */
  offline?: boolean;
  /** One line when the cache answers for an unreachable hub (default: console.warn). */
  onWarning?: (line: string) => void;
  /** Called per received chunk (downloaded === total on the last). */
  onProgress?: (p: DownloadProgress) => void;
}

function digestOf(bytes: Uint8Array): (kind: DigestKind) => Promise<string> {
  return (kind) => (kind === "sha256" ? sha256Digest(bytes) : gitBlobSha1Digest(bytes));
}

/** True when the hub's ETag and size name exactly these bytes (a cached copy that is still current). */
async function current(bytes: Uint8Array, meta: HubFileMetadata | FollowedMetadata, ctx: Ctx): Promise<boolean> {
  if (meta.etag === undefined || digestKind(meta.etag) === undefined) return false;
  return verify({ size: bytes.length, digest: digestOf(bytes) }, meta, ctx, "").then(
    () => true,
    () => false,
  );
}

/** GET the file (resumed with Range after a drop, retried with backoff) and check it against size and ETag. */
async function download(ctx: Ctx, meta: HubFileMetadata | FollowedMetadata, o: HubBytesOptions): Promise<Uint8Array> {
  const auth = new URL(meta.location).origin === new URL(ctx.url).origin ? authHeaders(o.token) : {};
  const at = { ...ctx, url: meta.location };
  const sink = new MemorySink();
  await fetchResumable(at, auth, sink, meta.size, retryPolicy(o), o);
  const bytes = sink.bytes();
  await verify({ size: bytes.length, digest: digestOf(bytes) }, meta, at, "nothing was cached");
  return bytes;
}

/** One file of a hub repo as bytes (fetched, or from o.cache as described above). */
export async function hubFetchBytes(repoId: string, filename: string, o: HubBytesOptions = {}): Promise<Uint8Array> {
  const ctx = fileCtx(repoId, filename, o);
  const cached = o.cache ? await o.cache.get(ctx.url) : null;
  if (cached && (isCommitHash(ctx.revision) || o.offline)) return cached;
  if (o.offline) throw new DownloadError(`hub: offline and ${ctx.url} is not in the cache`);
  try {
    // with a cached copy one failed HEAD is enough to fall back to it, as hubDownload does
    const meta = await headFile(ctx, cached ? { ...o, retries: 0 } : o);
    if (cached && (await current(cached, meta, ctx))) return cached;
    const bytes = await download(ctx, meta, o);
    await o.cache?.put(ctx.url, bytes);
    return bytes;
  } catch (e) {
    if (!(e instanceof UnavailableError) || !cached) throw e;
    (o.onWarning ?? console.warn)(`warning: ${e.message}; using the cached copy`);
    return cached;
  }
}
