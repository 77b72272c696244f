// Hugging Face hub client: download one file of a repo into the shared hub cache (layout in hub-cache.ts) and
// return its local snapshot path. HEAD for metadata (commit, ETag, size; redirects followed, first hub headers
// win), resumable GET into blobs/{etag}.incomplete with Range, SHA-256 check for LFS files, cache fallback when
// the hub is unreachable or offline. Not a general hub API (no listing, no uploads).
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { DownloadError } from "../errors.ts";
import { HubCacheRepo, hubCacheDir, isCommitHash, type RepoType } from "./hub-cache.ts";
import { ProgressBar } from "./progress.ts";
import { isSha256Hex, sha256File } from "./sha256.ts";

export interface DownloadProgress {
  repoId: string;
  filename: string;
  downloaded: number;
  total: number | undefined;
}

export interface HubDownloadOptions {
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
  /** Called per received chunk; without it a progress bar draws on stderr when it is a TTY and not quiet. */
  onProgress?: (p: DownloadProgress) => void;
  quiet?: boolean;
  /** Resume attempts after a dropped connection within one call (default 3). */
  retries?: number;
}

export interface HubFileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  /** Where the bytes are fetched from after redirects (a CDN for LFS files). */
  location: string;
}

interface Ctx {
  repoId: string;
  filename: string;
  revision: string;
  url: string;
}

export function hubFileUrl(repoId: string, filename: string, revision = "main", endpoint = defaultEndpoint(), repoType: RepoType = "model"): string {
  const prefix = repoType === "dataset" ? "datasets/" : "";
  const file = filename.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/+$/, "")}/${prefix}${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

function defaultEndpoint(): string {
  return process.env.HF_ENDPOINT ?? "https://huggingface.co";
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

function authHeaders(token: string | false | undefined): Record<string, string> {
  const t = token === false ? undefined : (token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN);
  return t ? { authorization: `Bearer ${t}` } : {};
}

function httpError(res: Response, ctx: Ctx, url: string): DownloadError {
  const what = `${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
  const code = res.headers.get("x-error-code");
  const msg = res.headers.get("x-error-message");
  const detail = [code, msg].filter(Boolean).join(": ");
  const tail = `${detail ? ` (${detail})` : ""}; URL ${url}`;
  if (res.status === 404) return new DownloadError(`hub: ${what} not found: HTTP 404${tail}`);
  if (res.status === 401 || res.status === 403) {
    return new DownloadError(`hub: ${what} refused: HTTP ${res.status}${tail}. Private or gated repos need a token: set HF_TOKEN (or pass token) and accept the repo's terms on the hub`);
  }
  return new DownloadError(`hub: ${what} failed: HTTP ${res.status} ${res.statusText}${tail}`);
}

/** HEAD the resolve URL, following redirects by hand so the hub's own headers (X-Linked-Etag, X-Repo-Commit) are kept. */
export async function hubFileMetadata(repoId: string, filename: string, options: HubDownloadOptions = {}): Promise<HubFileMetadata> {
  const revision = options.revision ?? "main";
  const url = hubFileUrl(repoId, filename, revision, options.endpoint ?? defaultEndpoint(), options.repoType);
  const ctx: Ctx = { repoId, filename, revision, url };
  const auth = authHeaders(options.token);
  let at = url;
  let commit: string | undefined;
  let etag: string | undefined;
  let size: number | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const sameOrigin = new URL(at).origin === new URL(url).origin;
    const res = await fetch(at, { method: "HEAD", redirect: "manual", headers: { "accept-encoding": "identity", ...(sameOrigin ? auth : {}) } });
    const h = res.headers;
    commit ??= h.get("x-repo-commit") ?? undefined;
    etag ??= (h.get("x-linked-etag") ?? h.get("etag") ?? undefined)?.replace(/^W\//, "").replace(/"/g, "");
    const len = h.get("x-linked-size") ?? (res.status < 300 ? h.get("content-length") : null);
    if (size === undefined && len !== null) size = Number(len);
    if (res.status >= 300 && res.status < 400 && h.get("location")) {
      at = new URL(h.get("location")!, at).toString();
      continue;
    }
    if (!res.ok) throw httpError(res, ctx, at);
    if (!etag) throw new DownloadError(`hub: ${repoId}/${filename} at revision '${revision}': the server sent no ETag; URL ${url}`);
    return { commit: commit ?? revision, etag, size, location: at };
  }
  throw new DownloadError(`hub: ${repoId}/${filename}: more than 10 redirects; URL ${url}`);
}

/** Downloads (or finds in the cache) one file of a hub repo and returns the local snapshot path. */
export async function hubDownload(repoId: string, filename: string, options: HubDownloadOptions = {}): Promise<string> {
  const revision = options.revision ?? "main";
  const cacheDir = options.cacheDir ?? hubCacheDir();
  const repo = new HubCacheRepo(cacheDir, repoId, options.repoType);
  const cached = repo.cachedFile(revision, filename);
  if (cached && isCommitHash(revision)) return cached;
  if (options.offline ?? envFlag(process.env.HF_HUB_OFFLINE)) {
    if (cached) return cached;
    throw new DownloadError(`hub: offline and ${repoId}/${filename} at revision '${revision}' is not in the cache ${repo.root}`);
  }
  let meta: HubFileMetadata;
  try {
    meta = await hubFileMetadata(repoId, filename, options);
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    if (cached) return cached; // hub unreachable: the cached snapshot is the answer
    const url = hubFileUrl(repoId, filename, revision, options.endpoint ?? defaultEndpoint(), options.repoType);
    throw new DownloadError(`hub: cannot reach ${url} (${(e as Error).message}) and ${repoId}/${filename} at revision '${revision}' is not in the cache ${repo.root}`);
  }
  const blob = repo.blobPath(meta.etag);
  if (!existsSync(blob)) {
    const ctx: Ctx = { repoId, filename, revision, url: meta.location };
    const sameOrigin = new URL(meta.location).origin === new URL(options.endpoint ?? defaultEndpoint()).origin;
    await fetchResumable(ctx, sameOrigin ? authHeaders(options.token) : {}, `${blob}.incomplete`, meta.size, options);
    if (isSha256Hex(meta.etag)) {
      const got = await sha256File(`${blob}.incomplete`);
      if (got !== meta.etag) {
        rmSync(`${blob}.incomplete`, { force: true });
        throw new DownloadError(`hub: ${repoId}/${filename} at revision '${revision}': checksum mismatch, sha256 ${got} but the hub's ETag is ${meta.etag}; the download was deleted; URL ${meta.location}`);
      }
    }
    renameSync(`${blob}.incomplete`, blob);
  }
  const path = repo.linkSnapshot(meta.commit, filename, meta.etag);
  repo.writeRef(revision, meta.commit);
  return path;
}

/** GET into `partial`, resuming with Range from what is already there, retrying dropped connections. */
async function fetchResumable(ctx: Ctx, auth: Record<string, string>, partial: string, size: number | undefined, options: HubDownloadOptions): Promise<void> {
  await mkdir(dirname(partial), { recursive: true });
  const bar = options.onProgress ? undefined : new ProgressBar({ total: size, unit: "B", label: ctx.filename, quiet: options.quiet });
  const report = (downloaded: number, total: number | undefined) => {
    if (options.onProgress) options.onProgress({ repoId: ctx.repoId, filename: ctx.filename, downloaded, total });
    else bar!.update(downloaded);
  };
  const retries = options.retries ?? 3;
  let total = size;
  for (let attempt = 0; ; attempt++) {
    let have = existsSync(partial) ? statSync(partial).size : 0;
    if (total !== undefined && have === total) break;
    if (total !== undefined && have > total) {
      rmSync(partial);
      have = 0;
    }
    const headers: Record<string, string> = { "accept-encoding": "identity", ...auth };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    try {
      res = await fetch(ctx.url, { headers });
    } catch (e) {
      if (attempt >= retries) throw new DownloadError(`hub: ${ctx.repoId}/${ctx.filename}: cannot fetch ${ctx.url} (${(e as Error).message}) after ${retries} retries; ${have} bytes kept in ${partial}`);
      continue;
    }
    if (res.status === 416 && have > 0) {
      rmSync(partial); // the server cannot serve our range: start again
      continue;
    }
    if (!res.ok) throw httpError(res, ctx, ctx.url);
    const resumed = res.status === 206 && (res.headers.get("content-range") ?? "").startsWith(`bytes ${have}-`);
    if (!resumed) have = 0;
    const len = res.headers.get("content-length");
    if (total === undefined && len !== null) total = have + Number(len);
    const fh = await open(partial, resumed ? "a" : "w");
    let dropped: Error | undefined;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await fh.write(chunk);
        have += chunk.length;
        report(have, total);
      }
    } catch (e) {
      dropped = e as Error;
    } finally {
      await fh.close();
    }
    const short = total !== undefined && have < total;
    if (!dropped && !short) break;
    if (attempt >= retries) {
      throw new DownloadError(
        `hub: ${ctx.repoId}/${ctx.filename}: connection dropped after ${have} of ${total ?? "?"} bytes (${dropped?.message ?? "short body"}), ${retries} resumes failed; the partial file ${partial} is kept, run again to resume; URL ${ctx.url}`,
      );
    }
  }
  bar?.finish();
}
