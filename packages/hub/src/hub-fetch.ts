// The hub client's request policy, one module for both clients (hubDownload to a folder, hubFetchBytes to memory):
// a deadline for the response headers (connect + first answer), an idle deadline between body chunks, retries with
// exponential backoff, the check of a download against the hub's size and ETag (verify), and typed errors that name
// the URL:
// UnavailableError (network error, HTTP 5xx / 429: worth retrying, the cache may answer), its subclass TimeoutError,
// DownloadError (anything else: 404, 401, a protocol violation). Defaults follow huggingface_hub: 10 s each
// (HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT, in seconds), backoff from 1 s doubling up to 8 s.
import { processEnv } from "./env.ts";
import { isSha1Hex, isSha256Hex } from "./digest.ts";
import { DownloadError, NotFoundError, TimeoutError, UnavailableError } from "./errors.ts";
import type { FetchLike } from "./fetch-url.ts";

export interface RetryOptions {
  /** Milliseconds to wait for response headers (default HF_HUB_ETAG_TIMEOUT seconds, else 10 s). */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for the next body chunk (default HF_HUB_DOWNLOAD_TIMEOUT seconds, else 10 s). */
  readTimeoutMs?: number;
  /** Retries after a network error, timeout, HTTP 5xx or 429, and resumes after a dropped body (default 3). */
  retries?: number;
  /** Wait before the first retry; doubled for each next one, at most 8x (default 1000 ms). */
  backoffMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export interface DownloadProgress {
  repoId: string;
  filename: string;
  downloaded: number;
  total: number | undefined;
}

export interface TransferOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Replaces globalThis.fetch (a test double, a proxy). */
  fetch?: FetchLike;
}

/** What a request is for: names the file in errors. */
export interface Ctx {
  repoId: string;
  filename: string;
  revision: string;
  url: string;
  /** Names the request in messages instead of repo, file and revision (a plain URL: fetch-url.ts). */
  what?: string;
}

function secondsFromEnv(name: string, env: Record<string, string | undefined>): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const s = Number(v);
  if (s > 0 && Number.isFinite(s)) return s * 1000;
  throw new DownloadError(`hub: ${name}='${v}' is not a positive number of seconds`);
}

export function retryPolicy(o: RetryOptions, env: Record<string, string | undefined> = processEnv()): RetryPolicy {
  return {
    connectTimeoutMs: o.connectTimeoutMs ?? secondsFromEnv("HF_HUB_ETAG_TIMEOUT", env) ?? 10_000,
    readTimeoutMs: o.readTimeoutMs ?? secondsFromEnv("HF_HUB_DOWNLOAD_TIMEOUT", env) ?? 10_000,
    retries: o.retries ?? 3,
    backoffMs: o.backoffMs ?? 1000,
  };
}

/** Sleeps before retry number `attempt` (0-based): backoffMs * 2^attempt, at most 8 * backoffMs. */
export function backoff(policy: RetryPolicy, attempt: number): Promise<void> {
  const ms = policy.backoffMs * Math.min(2 ** attempt, 8);
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs fn, again after each UnavailableError (with backoff) until `retries` retries are spent. */
export async function withRetries<T>(policy: RetryPolicy, retries: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof UnavailableError) || attempt >= retries) throw e;
      await backoff(policy, attempt);
    }
  }
}

/** A response whose body can still be abandoned (abort() closes the connection). */
export interface Timed {
  res: Response;
  abort: () => void;
}

/** fetch, giving up when no response headers arrive within timeoutMs. Network failures are UnavailableError. */
export async function timedFetch(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  fetchFn: FetchLike = (u, i) => fetch(u, i),
): Promise<Timed> {
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      const limit = `${timeoutMs} ms (HF_HUB_ETAG_TIMEOUT, connectTimeoutMs)`;
      reject(new TimeoutError(`hub: no response from ${url} within ${limit}`));
    }, timeoutMs);
  });
  const request = fetchFn(url, { ...init, signal: ctl.signal });
  request.catch(() => undefined); // after a timeout its rejection is not awaited
  try {
    return { res: await Promise.race([request, expired]), abort: () => ctl.abort() };
  } catch (e) {
    if (e instanceof TimeoutError) throw e;
    throw new UnavailableError(`hub: cannot reach ${url} (${(e as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

/** The body chunk by chunk; TimeoutError when no chunk arrives within idleMs, UnavailableError when it drops. */
export async function* readBody(t: Timed, idleMs: number, url: string): AsyncGenerator<Uint8Array> {
  if (!t.res.body) return;
  const reader = t.res.body.getReader();
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        const limit = `${idleMs} ms (HF_HUB_DOWNLOAD_TIMEOUT, readTimeoutMs)`;
        timer = setTimeout(() => reject(new TimeoutError(`hub: no bytes from ${url} for ${limit}`)), idleMs);
      });
      const read = reader.read();
      read.catch(() => undefined);
      let next: Awaited<typeof read>;
      try {
        next = await Promise.race([read, idle]);
      } catch (e) {
        if (e instanceof TimeoutError) throw e;
        throw new UnavailableError(`hub: connection to ${url} dropped (${(e as Error).message})`);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    t.abort();
    reader.cancel().catch(() => undefined);
  }
}

/**
 * A typed error for a non-2xx answer: NotFoundError for 404, UnavailableError for 5xx and 429 (retried),
 * DownloadError otherwise.
 */
export function httpError(res: Response, ctx: Ctx, url: string): DownloadError {
  const what = ctx.what ?? `hub: ${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
  const detail = [res.headers.get("x-error-code"), res.headers.get("x-error-message")].filter(Boolean).join(": ");
  const tail = `${detail ? ` (${detail})` : ""}; URL ${url}`;
  if (res.status === 404) return new NotFoundError(`${what} not found: HTTP 404${tail}`);
  if (res.status === 401 || res.status === 403) {
    const hint = ctx.what
      ? ""
      : ". Private or gated repos need a token: set HF_TOKEN (or pass token) and accept the repo's terms on the hub";
    return new DownloadError(`${what} refused: HTTP ${res.status}${tail}${hint}`);
  }
  const msg = `${what} failed: HTTP ${res.status} ${res.statusText}${tail}`;
  return res.status >= 500 || res.status === 429 ? new UnavailableError(msg) : new DownloadError(msg);
}

/** How a file is checked: its ETag's form names the hash (a git blob SHA-1 or an LFS object's SHA-256). */
export type DigestKind = "git blob sha1" | "sha256";

export function digestKind(etag: string): DigestKind | undefined {
  return isSha1Hex(etag) ? "git blob sha1" : isSha256Hex(etag) ? "sha256" : undefined;
}

/**
 * Throws a DownloadError unless `size` bytes with this digest match what the hub announced: its size (when known)
 * and its ETag (when it has a checksum's form; hubDownload accepts no other ETag). `done` says what became of the
 * bytes ("the download was deleted, run again to retry").
 */
export async function verify(
  got: { size: number; digest: (kind: DigestKind) => Promise<string> },
  want: { etag: string | undefined; size: number | undefined },
  ctx: Ctx,
  done: string,
): Promise<void> {
  const fail = (why: string) => {
    const where = `${ctx.repoId}/${ctx.filename} at revision '${ctx.revision}'`;
    return new DownloadError(`hub: ${where}: ${why}; ${done}; URL ${ctx.url}`);
  };
  if (want.size !== undefined && got.size !== want.size) {
    throw fail(`${got.size} bytes received but the hub announced ${want.size}`);
  }
  const kind = want.etag === undefined ? undefined : digestKind(want.etag);
  if (kind === undefined) return;
  const sum = await got.digest(kind);
  if (sum !== want.etag) throw fail(`checksum mismatch, ${kind} ${sum} but the hub's ETag is ${want.etag}`);
}
