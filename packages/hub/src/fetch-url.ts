// Reading a file by URL with the runtime's `fetch` (browsers, Deno, Node, Bun): its bytes or text, or a typed error
// naming the URL. The loaders that take a base URL instead of a folder (Sae.fromUrl, loadModelFromUrl) use it.
// The request policy is the hub client's own (hub-fetch.ts, hub-transfer.ts: a deadline for the response headers, an
// idle deadline between body chunks, retries with backoff after network errors, timeouts, 5xx and 429, a body
// shorter than its Content-Length resumed with Range or retried, more bytes than announced refused); no second copy.
// Not the hub client (hub-bytes.ts, hub.ts: revisions, ETag checksums, a cache).
import { NotFoundError } from "./errors.ts";
import type { DownloadProgress, RetryOptions } from "./hub-fetch.ts";
import { retryPolicy } from "./hub-fetch.ts";
import { fetchResumable, MemorySink } from "./hub-transfer.ts";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface FetchUrlOptions extends RetryOptions {
  /** Replaces globalThis.fetch (a test double, or one with credentials). */
  fetch?: FetchLike;
  /** Request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Called per received chunk (repoId is "", filename the URL). */
  onProgress?: (p: DownloadProgress) => void;
}

/** `base` + "/" + `file`, whether or not base ends in a slash; base may be relative to the page in browsers. */
export function joinUrl(base: string, file: string): string {
  return base.endsWith("/") ? base + file : `${base}/${file}`;
}

/**
 * The body of url as bytes under the hub client's policy (see the top of this file). A 404 is a NotFoundError, other
 * non-2xx answers a DownloadError (UnavailableError for 5xx / 429 once retries are spent), a stall a TimeoutError;
 * every message names the URL.
 */
export async function fetchBytes(url: string, o: FetchUrlOptions = {}): Promise<Uint8Array> {
  const ctx = { repoId: "", filename: url, revision: "", url, what: `GET ${url}` };
  const sink = new MemorySink();
  await fetchResumable(ctx, o.headers ?? {}, sink, undefined, retryPolicy(o), o);
  return sink.bytes();
}

/** The body of url as UTF-8 text (fetchBytes's policy and errors). */
export async function fetchText(url: string, o: FetchUrlOptions = {}): Promise<string> {
  return new TextDecoder().decode(await fetchBytes(url, o));
}

/** The bytes of an optional file: null when the server answers 404, else as fetchBytes. */
export async function fetchOptionalBytes(url: string, o: FetchUrlOptions = {}): Promise<Uint8Array | null> {
  try {
    return await fetchBytes(url, o);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}
