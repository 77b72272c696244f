// What the hub says about one file before it is fetched: a HEAD of its resolve URL, redirects followed by hand so
// the hub's own X-Repo-Commit, X-Linked-Etag and X-Linked-Size win over a CDN's headers, retried per the policy
// (hub-fetch.ts), and checked before any of it names a path. Both clients use it: hubDownload (the ETag names the
// blob, the commit the snapshot) and hubFetchBytes (the bytes are checked against size and ETag). A browser hides a
// redirect from fetch (an "opaqueredirect"); there the HEAD is sent again for the browser to follow, and only what
// the final server says is known (a `followed` answer: its ETag kept only when it has a checksum's form).
import { DownloadError } from "./errors.ts";
import type { FetchLike } from "./fetch-url.ts";
import { type Ctx, httpError, type RetryOptions, retryPolicy, timedFetch, withRetries } from "./hub-fetch.ts";
import { digestKind } from "./hub-fetch.ts";
import { checkCommit, hubEndpoint, hubFileUrl, isCommitHash, normalizeEtag, type RepoType } from "./hub-names.ts";
import { processEnv } from "./env.ts";

/** What both clients take to reach a file of a repo. */
export interface HubRequestOptions extends RetryOptions {
  revision?: string;
  repoType?: RepoType;
  /** Defaults to HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Defaults to HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) where there is a process environment; false sends none. */
  token?: string | false;
  /** Replaces globalThis.fetch (a test double, a proxy). */
  fetch?: FetchLike;
}

export interface HubFileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  /** Where the bytes are fetched from after redirects (a CDN for LFS files). */
  location: string;
}

/** A browser followed a redirect itself: the hub's headers were not visible, only the final server's. */
export interface FollowedMetadata {
  followed: true;
  etag: string | undefined;
  size: number | undefined;
  location: string;
}

export function authHeaders(token: string | false | undefined): Record<string, string> {
  const env = processEnv();
  const t = token === false ? undefined : (token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN);
  return t ? { authorization: `Bearer ${t}` } : {};
}

function checkSize(len: string | null, ctx: Ctx): number | undefined {
  if (len === null) return undefined;
  const size = Number(len);
  if (Number.isSafeInteger(size) && size >= 0) return size;
  const where = `${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
  throw new DownloadError(`hub: ${where}: the server sent a size of '${len}' bytes; URL ${ctx.url}`);
}

/** One HEAD, letting the runtime follow redirects (a browser, where a manual redirect is opaque). */
async function headFollowed(ctx: Ctx, at: string, timeoutMs: number, fetchFn?: FetchLike): Promise<FollowedMetadata> {
  const { res, abort } = await timedFetch(at, { method: "HEAD" }, timeoutMs, fetchFn);
  abort();
  if (!res.ok) throw httpError(res, ctx, res.url || at);
  const h = res.headers;
  const raw = (h.get("x-linked-etag") ?? h.get("etag") ?? "").trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  const etag = digestKind(raw.toLowerCase()) ? raw.toLowerCase() : undefined;
  const size = checkSize(h.get("x-linked-size") ?? h.get("content-length"), ctx);
  return { followed: true, etag, size, location: res.url || at };
}

/** One HEAD of the resolve URL, following redirects by hand to keep the hub's own X-Linked-Etag and X-Repo-Commit. */
async function headOnce(
  ctx: Ctx,
  auth: Record<string, string>,
  timeoutMs: number,
  fetchFn?: FetchLike,
): Promise<HubFileMetadata | FollowedMetadata> {
  let at = ctx.url;
  let commit: string | undefined;
  let etag: string | undefined;
  let size: number | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const sameOrigin = new URL(at).origin === new URL(ctx.url).origin;
    const headers = { "accept-encoding": "identity", ...(sameOrigin ? auth : {}) };
    const { res, abort } = await timedFetch(at, { method: "HEAD", redirect: "manual", headers }, timeoutMs, fetchFn);
    abort();
    if (res.type === "opaqueredirect") return headFollowed(ctx, at, timeoutMs, fetchFn);
    const h = res.headers;
    commit ??= h.get("x-repo-commit") ?? undefined;
    etag ??= h.get("x-linked-etag") ?? h.get("etag") ?? undefined;
    size ??= checkSize(h.get("x-linked-size") ?? (res.status < 300 ? h.get("content-length") : null), ctx);
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
    const checked = commit === undefined ? ctx.revision : checkCommit(commit, ctx.url);
    return { commit: checked, etag: normalizeEtag(etag, ctx.url), size, location: at };
  }
  throw new DownloadError(`hub: ${ctx.repoId}/${ctx.filename}: more than 10 redirects; URL ${ctx.url}`);
}

/** The request context of a file: repo, name, revision and its resolve URL (every name checked). */
export function fileCtx(repoId: string, filename: string, o: HubRequestOptions): Ctx {
  const revision = o.revision ?? "main";
  const url = hubFileUrl(repoId, filename, revision, o.endpoint ?? hubEndpoint(), o.repoType);
  return { repoId, filename, revision, url };
}

/** HEAD with retries; a `followed` answer only in browsers (see the top of this file). */
export async function headFile(ctx: Ctx, o: HubRequestOptions): Promise<HubFileMetadata | FollowedMetadata> {
  const policy = retryPolicy(o);
  const auth = authHeaders(o.token);
  return withRetries(policy, policy.retries, () => headOnce(ctx, auth, policy.connectTimeoutMs, o.fetch));
}

/** HEAD the resolve URL (retried on network errors, timeouts and 5xx): commit, ETag (checked), size and final URL. */
export async function hubFileMetadata(
  repoId: string,
  filename: string,
  options: HubRequestOptions = {},
): Promise<HubFileMetadata> {
  const ctx = fileCtx(repoId, filename, options);
  const meta = await headFile(ctx, options);
  if (!("followed" in meta)) return meta;
  const why = "this runtime follows redirects itself and hides the hub's X-Repo-Commit and X-Linked-Etag";
  throw new DownloadError(`hub: ${ctx.repoId}/${ctx.filename}: ${why}; URL ${ctx.url}`);
}
