// Hugging Face hub client: download one file of a repo into the shared hub cache (layout in hub-cache.ts) and
// return its local snapshot path. HEAD for metadata (commit, ETag, size; redirects followed, first hub headers
// win; both checked before they name a path), then, holding a per-blob lock file (hub-lock.ts), a resumable GET
// into blobs/{etag}.incomplete (hub-transfer.ts) verified against the ETag: SHA-256 for LFS files, the git blob
// SHA-1 for the rest; a bad download is deleted. Timeouts, retries and backoff in hub-fetch.ts. When the hub
// cannot answer (network error, timeout, 5xx) a cached copy is returned with a one-line warning; HF_HUB_OFFLINE=1
// uses only the cache. Not a general hub API (no listing, no uploads).
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { DownloadError, UnavailableError } from "./errors.ts";
import { HubCacheRepo, hubCacheDir } from "./hub-cache.ts";
import { type Ctx, httpError, type RetryOptions, retryPolicy, timedFetch, withRetries } from "./hub-fetch.ts";
import { withFileLock } from "./hub-lock.ts";
import { checkCommit, checkFilename, checkRevision, hubEndpoint, hubFileUrl, isCommitHash } from "./hub-names.ts";
import { normalizeEtag, type RepoType } from "./hub-names.ts";
import type { DownloadProgress } from "./hub-fetch.ts";
import { fetchResumable } from "./hub-transfer.ts";
import { isSha1Hex } from "./digest.ts";
import { gitBlobSha1File } from "./sha1.ts";
import { sha256File } from "./sha256.ts";

export interface HubDownloadOptions extends RetryOptions {
  revision?: string;
  repoType?: RepoType;
  /** Defaults to hubCacheDir(): HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Defaults to HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Defaults to HF_TOKEN (or HUGGING_FACE_HUB_TOKEN); false sends none. */
  token?: string | false;
  /** Use only the cache (default: HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Called per received chunk (downloaded === total on the last); the hub client draws no progress itself. */
  onProgress?: (p: DownloadProgress) => void;
  /** No line on stderr while a download waits for another process's lock (unless onWarning is given). */
  quiet?: boolean;
  /** One line when the cache answers for an unreachable hub or a download waits for another process (default: stderr). */
  onWarning?: (line: string) => void;
}

export interface HubFileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  /** Where the bytes are fetched from after redirects (a CDN for LFS files). */
  location: string;
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

function authHeaders(token: string | false | undefined): Record<string, string> {
  const t = token === false ? undefined : (token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN);
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** One HEAD of the resolve URL, following redirects by hand to keep the hub's own X-Linked-Etag and X-Repo-Commit. */
async function headOnce(ctx: Ctx, auth: Record<string, string>, timeoutMs: number): Promise<HubFileMetadata> {
  let at = ctx.url;
  let commit: string | undefined;
  let etag: string | undefined;
  let size: number | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const sameOrigin = new URL(at).origin === new URL(ctx.url).origin;
    const headers = { "accept-encoding": "identity", ...(sameOrigin ? auth : {}) };
    const { res, abort } = await timedFetch(at, { method: "HEAD", redirect: "manual", headers }, timeoutMs);
    abort();
    const h = res.headers;
    commit ??= h.get("x-repo-commit") ?? undefined;
    etag ??= h.get("x-linked-etag") ?? h.get("etag") ?? undefined;
    const len = h.get("x-linked-size") ?? (res.status < 300 ? h.get("content-length") : null);
    if (size === undefined && len !== null) size = Number(len);
    if (res.status >= 300 && res.status < 400 && h.get("location")) {
      at = new URL(h.get("location")!, at).toString();
      continue;
    }
    if (!res.ok) throw httpError(res, ctx, at);
    const where = `${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
    if (!etag) throw new DownloadError(`hub: ${where}: the server sent no ETag; URL ${ctx.url}`);
    if (commit === undefined && !isCommitHash(ctx.revision)) {
      const why = "the server sent no X-Repo-Commit (a proxy that strips headers?)";
      throw new DownloadError(`hub: ${where}: ${why}; URL ${ctx.url}`);
    }
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
      throw new DownloadError(`hub: ${where}: the server sent a size of '${len}' bytes; URL ${ctx.url}`);
    }
    const checked = commit === undefined ? ctx.revision : checkCommit(commit, ctx.url);
    return { commit: checked, etag: normalizeEtag(etag, ctx.url), size, location: at };
  }
  throw new DownloadError(`hub: ${ctx.repoId}/${ctx.filename}: more than 10 redirects; URL ${ctx.url}`);
}

/** HEAD the resolve URL (retried on network errors, timeouts and 5xx): commit, ETag (checked), size and final URL. */
export async function hubFileMetadata(
  repoId: string,
  filename: string,
  options: HubDownloadOptions = {},
): Promise<HubFileMetadata> {
  const revision = options.revision ?? "main";
  const url = hubFileUrl(repoId, filename, revision, options.endpoint ?? hubEndpoint(), options.repoType);
  const policy = retryPolicy(options);
  const auth = authHeaders(options.token);
  const ctx = { repoId, filename, revision, url };
  return withRetries(policy, policy.retries, () => headOnce(ctx, auth, policy.connectTimeoutMs));
}

/** Deletes `partial` and throws unless its bytes match the ETag (SHA-256 or git blob SHA-1) and the announced size. */
async function verify(partial: string, meta: HubFileMetadata, ctx: Ctx): Promise<void> {
  const got = statSync(partial).size;
  const fail = (why: string) => {
    rmSync(partial, { force: true });
    const where = `${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
    return new DownloadError(`hub: ${where}: ${why}; the download was deleted, run again to retry; URL ${ctx.url}`);
  };
  if (meta.size !== undefined && got !== meta.size) throw fail(`${got} bytes received but the hub announced ${meta.size}`);
  const git = isSha1Hex(meta.etag);
  const sum = git ? await gitBlobSha1File(partial) : await sha256File(partial);
  const kind = git ? "git blob sha1" : "sha256";
  if (sum !== meta.etag) throw fail(`checksum mismatch, ${kind} ${sum} but the hub's ETag is ${meta.etag}`);
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
  await fetchResumable(ctx, auth, partial, meta.size, retryPolicy(options), options);
  await verify(partial, meta, ctx);
  renameSync(partial, blob);
}
