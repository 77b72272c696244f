// One file's bytes from a URL into a Sink (a partial file, blobs/{etag}.incomplete, for hubDownload: partial-file.ts;
// memory for hubFetchBytes): resumed with Range from what the sink already holds, retried with backoff after a
// dropped connection, a stalled body (readTimeoutMs) or a 5xx, and stopped at once when the server sends more bytes
// than announced. A body the server compressed anyway (Content-Encoding) is decoded where the runtime's fetch left it
// encoded (Deno: content-coding.ts), and is fetched again whole, never resumed with Range. Checksums are verify's
// job (hub-fetch.ts); for a file the caller holds the blob lock. Progress goes only to options.onProgress (bytes so
// far, total, file): drawing it is the caller's business (@sae/train's downloadProgress draws a terminal bar; the hub
// client writes nothing to a terminal). No file system here.
import { DownloadError, TimeoutError, UnavailableError } from "./errors.ts";
import { backoff, type Ctx, httpError, readBody, type RetryPolicy, timedFetch } from "./hub-fetch.ts";
import type { TransferOptions } from "./hub-fetch.ts";
import { contentCoding, decode, stillEncoded } from "./content-coding.ts";

/** Where a download's bytes go. */
export interface Sink {
  /** Bytes held already (a partial file an earlier run left; 0 for a fresh one). */
  size(): Promise<number>;
  /** Drops everything held. */
  clear(): Promise<void>;
  /** What is held (an encoded body to decode: content-coding.ts). */
  read(): Promise<Uint8Array>;
  /** Starts writing: after what is held (append) or over it. */
  open(append: boolean): Promise<{ write(chunk: Uint8Array): Promise<void>; close(): Promise<void> }>;
  /** What the failure messages say about the bytes held after retries failed. */
  readonly kept: string;
}

/** A sink in memory: bytes() joins what was written. */
export class MemorySink implements Sink {
  private chunks: Uint8Array[] = [];
  private held = 0;
  readonly kept = "nothing is kept";
  async size(): Promise<number> {
    return this.held;
  }
  async clear(): Promise<void> {
    this.chunks = [];
    this.held = 0;
  }
  async open(append: boolean) {
    if (!append) await this.clear();
    return {
      write: async (chunk: Uint8Array) => {
        this.chunks.push(chunk);
        this.held += chunk.length;
      },
      close: async () => {},
    };
  }
  async read(): Promise<Uint8Array> {
    return this.bytes();
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.held);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** GET ctx.url into `sink` until it holds `size` bytes (or the body ends when no size is known). */
export async function fetchResumable(
  ctx: Ctx,
  auth: Record<string, string>,
  sink: Sink,
  size: number | undefined,
  policy: RetryPolicy,
  options: TransferOptions,
): Promise<void> {
  let got = 0;
  const report = (downloaded: number, total: number | undefined) => {
    got = downloaded;
    options.onProgress?.({ repoId: ctx.repoId, filename: ctx.filename, downloaded, total });
  };
  const what = ctx.what ?? `hub: ${ctx.repoId}/${ctx.filename}`;
  let total = size;
  let restart = false; // an encoded body was cut short: a Range of it cannot be joined to what is held
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await backoff(policy, attempt - 1);
    let have = await sink.size();
    if (restart) {
      await sink.clear();
      have = 0;
      restart = false;
    }
    if (total !== undefined && have === total) break;
    if (total !== undefined && have > total) {
      await sink.clear();
      have = 0;
    }
    const headers: Record<string, string> = { "accept-encoding": "identity", ...auth };
    if (have > 0) headers.range = `bytes=${have}-`;
    let dropped: UnavailableError | undefined;
    let coding: string | undefined;
    try {
      const t = await timedFetch(ctx.url, { headers }, policy.connectTimeoutMs, options.fetch);
      if (t.res.status === 416 && have > 0) {
        t.abort();
        await sink.clear(); // the server cannot serve our range: start again
        continue;
      }
      if (!t.res.ok) {
        t.abort();
        throw httpError(t.res, ctx, ctx.url);
      }
      // an encoded body (gzip: browsers ask for it; some servers send it to anyone) is longer or shorter than its
      // Content-Length once decoded, its ranges are of the encoded bytes, and Deno leaves it encoded: content-coding.ts
      coding = contentCoding(t.res.headers);
      if (coding !== undefined && t.res.status === 206 && have > 0) {
        t.abort();
        restart = true;
        continue;
      }
      const resumed = t.res.status === 206 && (t.res.headers.get("content-range") ?? "").startsWith(`bytes ${have}-`);
      if (!resumed) have = 0;
      const len = t.res.headers.get("content-length");
      if (total === undefined && len !== null && !coding) total = have + Number(len);
      const fh = await sink.open(resumed);
      let head = new Uint8Array(0); // an encoded body's first bytes (its magic)
      try {
        for await (const chunk of readBody(t, policy.readTimeoutMs, ctx.url)) {
          await fh.write(chunk);
          if (coding !== undefined && head.length < 4) head = Uint8Array.from([...head, ...chunk.subarray(0, 4)]);
          have += chunk.length;
          if (coding === undefined && total !== undefined && have > total) await tooLong(sink, total, what, ctx.url);
          report(have, total);
        }
      } finally {
        await fh.close();
      }
      if (coding !== undefined) {
        have = await decodeHeld(sink, coding, head, have, len === null ? null : Number(len), what, ctx.url);
        if (total !== undefined && have > total) await tooLong(sink, total, what, ctx.url);
        report(have, total);
      }
    } catch (e) {
      if (!(e instanceof UnavailableError)) throw e;
      dropped = e;
    }
    const short = total !== undefined && have < total;
    if (!dropped && !short) break;
    if (coding !== undefined) restart = true;
    if (attempt >= policy.retries) {
      const why = dropped?.message.replace(/^hub: /, "") ?? "the body ended early";
      const verb = dropped instanceof TimeoutError ? "stalled" : "connection dropped";
      const msg =
        `${what}: ${verb} after ${have} of ${total ?? "?"} bytes (${why}), ${policy.retries} retries failed; ` +
        `${sink.kept}; URL ${ctx.url}`;
      throw dropped instanceof TimeoutError ? new TimeoutError(msg) : new UnavailableError(msg);
    }
  }
  if (total === undefined) report(got, got); // the body ended: its length is the total (a caller's bar can finish)
}

/** More bytes than announced: the sink is cleared and that is a DownloadError. */
async function tooLong(sink: Sink, total: number, what: string, url: string): Promise<never> {
  await sink.clear();
  const msg = `the server sent more than the ${total} bytes it announced; the download was deleted`;
  throw new DownloadError(`${what}: ${msg}; URL ${url}`);
}

/** An encoded body's bytes in `sink` decoded in place when the runtime left them encoded; the count now held. */
async function decodeHeld(
  sink: Sink,
  coding: string,
  head: Uint8Array,
  count: number,
  contentLength: number | null,
  what: string,
  url: string,
): Promise<number> {
  const f = stillEncoded(coding, head, count, contentLength, what, url);
  if (f === undefined) return count;
  const body = await decode(await sink.read(), f, what, url);
  const w = await sink.open(false);
  try {
    await w.write(body);
  } finally {
    await w.close();
  }
  return body.length;
}
