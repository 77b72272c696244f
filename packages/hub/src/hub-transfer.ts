// One file's bytes from a URL into a partial file (blobs/{etag}.incomplete): resumed with Range from what is already
// there, retried with backoff after a dropped connection, a stalled body (readTimeoutMs) or a 5xx, and stopped at
// once when the server sends more bytes than announced. Checksums are hub.ts's job; the caller holds the blob lock.
// Progress goes only to options.onProgress (bytes so far, total, file): drawing it is the caller's business
// (@sae/train's downloadProgress draws a terminal bar; tensor-core writes nothing to a terminal).
import { existsSync, rmSync, statSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { DownloadError, TimeoutError, UnavailableError } from "./errors.ts";
import { backoff, type Ctx, httpError, readBody, type RetryPolicy, timedFetch } from "./hub-fetch.ts";
import type { TransferOptions } from "./hub-fetch.ts";

/** GET ctx.url into `partial` until it holds `size` bytes (or the body ends when no size is known). */
export async function fetchResumable(
  ctx: Ctx,
  auth: Record<string, string>,
  partial: string,
  size: number | undefined,
  policy: RetryPolicy,
  options: TransferOptions,
): Promise<void> {
  await mkdir(dirname(partial), { recursive: true });
  let got = 0;
  const report = (downloaded: number, total: number | undefined) => {
    got = downloaded;
    options.onProgress?.({ repoId: ctx.repoId, filename: ctx.filename, downloaded, total });
  };
  const what = `hub: ${ctx.repoId}/${ctx.filename}`;
  let total = size;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await backoff(policy, attempt - 1);
    let have = existsSync(partial) ? statSync(partial).size : 0;
    if (total !== undefined && have === total) break;
    if (total !== undefined && have > total) {
      rmSync(partial);
      have = 0;
    }
    const headers: Record<string, string> = { "accept-encoding": "identity", ...auth };
    if (have > 0) headers.range = `bytes=${have}-`;
    let dropped: UnavailableError | undefined;
    try {
      const t = await timedFetch(ctx.url, { headers }, policy.connectTimeoutMs);
      if (t.res.status === 416 && have > 0) {
        t.abort();
        rmSync(partial); // the server cannot serve our range: start again
        continue;
      }
      if (!t.res.ok) {
        t.abort();
        throw httpError(t.res, ctx, ctx.url);
      }
      const resumed = t.res.status === 206 && (t.res.headers.get("content-range") ?? "").startsWith(`bytes ${have}-`);
      if (!resumed) have = 0;
      const len = t.res.headers.get("content-length");
      if (total === undefined && len !== null) total = have + Number(len);
      const fh = await open(partial, resumed ? "a" : "w");
      try {
        for await (const chunk of readBody(t, policy.readTimeoutMs, ctx.url)) {
          await fh.write(chunk);
          have += chunk.length;
          if (total !== undefined && have > total) {
            rmSync(partial, { force: true });
            const msg = `the server sent more than the ${total} bytes it announced; the download was deleted`;
            throw new DownloadError(`${what}: ${msg}; URL ${ctx.url}`);
          }
          report(have, total);
        }
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (!(e instanceof UnavailableError)) throw e;
      dropped = e;
    }
    const short = total !== undefined && have < total;
    if (!dropped && !short) break;
    if (attempt >= policy.retries) {
      const why = dropped?.message.replace(/^hub: /, "") ?? "the body ended early";
      const verb = dropped instanceof TimeoutError ? "stalled" : "connection dropped";
      const msg =
        `${what}: ${verb} after ${have} of ${total ?? "?"} bytes (${why}), ${policy.retries} retries failed; ` +
        `the partial file ${partial} is kept, run again to resume; URL ${ctx.url}`;
      throw dropped instanceof TimeoutError ? new TimeoutError(msg) : new UnavailableError(msg);
    }
  }
  if (total === undefined) report(got, got); // the body ended: its length is the total (a caller's bar can finish)
}
