// Retry policy of the hub client: defaults and the huggingface_hub environment variables, which errors are retried
// (network, 5xx, 429, timeouts) and which are not (404, 401, protocol errors), and the backoff schedule.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import { DownloadError, TimeoutError, UnavailableError } from "./errors.ts";
import { httpError, retryPolicy, timedFetch, withRetries } from "./hub-fetch.ts";

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const status = Number(req.url?.slice(1));
    if (status) res.writeHead(status).end();
    // any other path: never answers
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

test("defaults follow huggingface_hub; HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT are seconds; options win", () => {
  expect(retryPolicy({}, {})).toEqual({ connectTimeoutMs: 10_000, readTimeoutMs: 10_000, retries: 3, backoffMs: 1000 });
  const env = { HF_HUB_ETAG_TIMEOUT: "2.5", HF_HUB_DOWNLOAD_TIMEOUT: "30" };
  expect(retryPolicy({}, env)).toMatchObject({ connectTimeoutMs: 2500, readTimeoutMs: 30_000 });
  expect(retryPolicy({ connectTimeoutMs: 5, retries: 0 }, env)).toMatchObject({ connectTimeoutMs: 5, retries: 0 });
  for (const bad of ["0", "-1", "soon", "Infinity"]) {
    expect(() => retryPolicy({}, { HF_HUB_DOWNLOAD_TIMEOUT: bad })).toThrow(`HF_HUB_DOWNLOAD_TIMEOUT='${bad}'`);
  }
});

test("5xx and 429 are UnavailableError (retried), 404 and 401 DownloadError; each names the URL", async () => {
  const ctx = { repoId: "x/y", filename: "f", revision: "main", url: "" };
  for (const [status, retried] of [[500, true], [503, true], [429, true], [404, false], [401, false]] as const) {
    const url = `${base}/${status}`;
    const { res } = await timedFetch(url, {}, 2000);
    const err = httpError(res, { ...ctx, url }, url);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err instanceof UnavailableError).toBe(retried);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain(url);
  }
});

test("a request without an answer is a TimeoutError; a refused connection an UnavailableError", async () => {
  const t0 = Date.now();
  const late = await timedFetch(`${base}/stall`, {}, 150).catch((e: Error) => e);
  expect(late).toBeInstanceOf(TimeoutError);
  expect((late as Error).message).toContain(`no response from ${base}/stall within 150 ms`);
  expect(Date.now() - t0).toBeLessThan(1500);
  const refused = await timedFetch("http://127.0.0.1:1/x", {}, 2000).catch((e: Error) => e);
  expect(refused).toBeInstanceOf(UnavailableError);
  expect((refused as Error).message).toContain("cannot reach http://127.0.0.1:1/x");
}, 5_000);

test("withRetries retries UnavailableError with doubling backoff, not DownloadError", async () => {
  const policy = retryPolicy({ backoffMs: 40 }, {});
  const at: number[] = [];
  const t0 = Date.now();
  const err = await withRetries(policy, 3, async () => {
    at.push(Date.now() - t0);
    throw new UnavailableError("down");
  }).catch((e: Error) => e);
  expect(err).toBeInstanceOf(UnavailableError);
  expect(at.length).toBe(4);
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(40 * 2 ** i - 5)); // 40, 80, 160 ms
  let calls = 0;
  const notRetried = await withRetries(policy, 3, async () => {
    calls++;
    throw new DownloadError("404");
  }).catch((e: Error) => e);
  expect(notRetried).toBeInstanceOf(DownloadError);
  expect(calls).toBe(1);
  let n = 0;
  expect(await withRetries(policy, 3, async () => (++n < 3 ? Promise.reject(new TimeoutError("slow")) : n))).toBe(3);
}, 5_000);
