// Reading a file by URL with the runtime's `fetch` (browsers, Deno, Node, Bun): its bytes or text, or a typed error
// naming the URL. The loaders that take a base URL instead of a folder (Sae.fromUrl, loadModelFromUrl) use it.
// Not the hub client (hub.ts: revisions, retries, a cache).
import { DownloadError, UnavailableError } from "./errors.ts";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface FetchUrlOptions {
  /** Replaces globalThis.fetch (a test double, or one with credentials). */
  fetch?: FetchLike;
  /** Request headers (e.g. authorization). */
  headers?: Record<string, string>;
}

/** `base` + "/" + `file`, whether or not base ends in a slash; base may be relative to the page in browsers. */
export function joinUrl(base: string, file: string): string {
  return base.endsWith("/") ? base + file : `${base}/${file}`;
}

async function get(url: string, o: FetchUrlOptions): Promise<Response> {
  try {
    return await (o.fetch ?? globalThis.fetch)(url, o.headers ? { headers: o.headers } : undefined);
  } catch (e) {
    throw new UnavailableError(`${url}: request failed (${(e as Error).message})`);
  }
}

function failed(res: Response, url: string): DownloadError {
  const why = `${url}: HTTP ${res.status} ${res.statusText}`.trim();
  return res.status >= 500 || res.status === 429 ? new UnavailableError(why) : new DownloadError(why);
}

/** The body of url as bytes; a network error or any non-2xx status throws. */
export async function fetchBytes(url: string, o: FetchUrlOptions = {}): Promise<Uint8Array> {
  const res = await get(url, o);
  if (!res.ok) throw failed(res, url);
  return new Uint8Array(await res.arrayBuffer());
}

/** The body of url as text; a network error or any non-2xx status throws. */
export async function fetchText(url: string, o: FetchUrlOptions = {}): Promise<string> {
  const res = await get(url, o);
  if (!res.ok) throw failed(res, url);
  return res.text();
}

/** The bytes of an optional file: null when the server answers 404, the bytes when 2xx, else throws. */
export async function fetchOptionalBytes(url: string, o: FetchUrlOptions = {}): Promise<Uint8Array | null> {
  const res = await get(url, o);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw failed(res, url);
  return new Uint8Array(await res.arrayBuffer());
}
