// Hugging Face hub client: download one file of a repo into the shared hub cache (layout in hub-cache.ts) and
// return its local snapshot path. HEAD for metadata (hub-metadata.ts: commit, ETag, size; checked before they name a
// path), then, holding a per-blob lock file (hub-lock.ts), a resumable GET into blobs/{etag}.incomplete
// (hub-transfer.ts, partial-file.ts) verified against the ETag: SHA-256 for LFS files, the git blob SHA-1 for the
// rest; a bad download is deleted. Timeouts, retries, backoff and the check: hub-fetch.ts (shared with
// hubFetchBytes). When the hub
// cannot answer (network error, timeout, 5xx) a cached copy is returned with a one-line warning; HF_HUB_OFFLINE=1
// uses only the cache. Not a general hub API (no listing, no uploads).
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { DownloadError, UnavailableError } from "./errors.ts";
import { HubCacheRepo, hubCacheDir } from "./hub-cache.ts";
import { type Ctx, type DownloadProgress, retryPolicy, verify } from "./hub-fetch.ts";
import { withFileLock } from "./hub-lock.ts";
import { authHeaders, hubFileMetadata, type HubFileMetadata, type HubRequestOptions } from "./hub-metadata.ts";
import { checkFilename, checkRevision, hubEndpoint, isCommitHash } from "./hub-names.ts";
import { fetchResumable } from "./hub-transfer.ts";
import { partialFile } from "./partial-file.ts";
import { gitBlobSha1File } from "./sha1.ts";
import { sha256File } from "./sha256.ts";

export interface HubDownloadOptions extends HubRequestOptions {
  /** Defaults to hubCacheDir(): HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Use only the cache (default: HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Called per received chunk (downloaded === total on the last); the hub client draws no progress itself. */
  onProgress?: (p: DownloadProgress) => void;
  /** No line on stderr while a download waits for another process's lock (unless onWarning is given). */
  quiet?: boolean;
  /** One line when the cache answers for an unreachable hub or a download waits for another process (default: stderr). */
  onWarning?: (line: string) => void;
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

/** Downloads (or finds in the cache) one file of a hub repo and returns the local snapshot path. */
export async function hubDownload(repoId: string, filename: string, options: HubDownloadOptions = {}): Promise<string> {
  const revision = checkRevision(options.revision ?? "main");
  checkFilename(filename);
  const cacheDir = options.cacheDir ?? hubCacheDir();
  const repo = new HubCacheRepo(cacheDir, repoId, options.repoType);
  const cached = repo.cachedFile(revision, filename);
  if (cached && isCommitHash(revision)) return cached;
  const where = `${repoId}/${filename} at revision '${revision}'`;
  if (options.offline ?? envFlag(process.env.HF_HUB_OFFLINE)) {
    if (cached) return cached;
    throw new DownloadError(`hub: offline (HF_HUB_OFFLINE) and ${where} is not in the cache ${repo.root}`);
  }
  const warn = options.onWarning ?? ((line: string) => process.stderr.write(`${line}\n`));
  let meta: HubFileMetadata;
  try {
    // with a cached copy one failed HEAD is enough to fall back to it, as huggingface_hub does
    meta = await hubFileMetadata(repoId, filename, cached ? { ...options, retries: 0 } : options);
  } catch (e) {
    if (!(e instanceof UnavailableError)) throw e;
    if (cached) {
      warn(`warning: ${e.message}; using the cached ${cached}`);
      return cached;
    }
    throw new (e.constructor as typeof UnavailableError)(`${e.message}; ${where} is not in the cache ${repo.root}`);
  }
  const blob = repo.blobPath(meta.etag);
  if (!existsSync(blob)) {
    const ctx = { repoId, filename, revision, url: meta.location };
    const onWait = (pid: string) => warn(`hub: waiting for process ${pid}, which is downloading ${where}`);
    const lock = { onWait: options.onWarning || !options.quiet ? onWait : undefined };
    await withFileLock(repo.lockPath(meta.etag), () => fetchBlob(blob, meta, ctx, options), lock);
  }
  const path = repo.linkSnapshot(meta.commit, filename, meta.etag);
  repo.writeRef(revision, meta.commit);
  return path;
}

/** Under the blob's lock: unless another process finished it meanwhile, GET, verify, rename into place. */
async function fetchBlob(blob: string, meta: HubFileMetadata, ctx: Ctx, options: HubDownloadOptions): Promise<void> {
  if (existsSync(blob)) return;
  const endpoint = options.endpoint ?? hubEndpoint();
  const auth = new URL(meta.location).origin === new URL(endpoint).origin ? authHeaders(options.token) : {};
  const partial = `${blob}.incomplete`;
  await fetchResumable(ctx, auth, partialFile(partial), meta.size, retryPolicy(options), options);
  const digest = (kind: string) => (kind === "sha256" ? sha256File(partial) : gitBlobSha1File(partial));
  try {
    await verify({ size: statSync(partial).size, digest }, meta, ctx, "the download was deleted, run again to retry");
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
  renameSync(partial, blob);
}
