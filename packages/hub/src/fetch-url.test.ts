// fetchBytes / fetchText / fetchOptionalBytes (what Sae.fromUrl and loadModelFromUrl read through) against a slow,
// failing and lying loopback server the test starts: the hub client's policy applies. Response headers that never
// come and a body that stalls are TimeoutErrors naming the URL and the limit; 503s are retried with backoff; a body
// shorter than its Content-Length is resumed with Range (or, when it stays short, an UnavailableError naming the
// bytes and the URL); a gzip body's Content-Length (the encoded size) is not held against the decoded bytes; 404 is
// a NotFoundError (null for an optional file) and is not retried. Every test is bounded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { DownloadError, NotFoundError, TimeoutError, UnavailableError } from "./errors.ts";
import { fetchBytes, fetchOptionalBytes, fetchText } from "./fetch-url.ts";

const pattern = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);
const BODY = pattern(30_000, 1);
let server: Server;
let base = "";
const seen: { path: string; range?: string; auth?: string }[] = [];
const count: Record<string, number> = {};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? "";
  seen.push({ path, range: req.headers.range, auth: req.headers.authorization });
  const n = (count[path] = (count[path] ?? 0) + 1);
  const size = String(BODY.length);
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  switch (path) {
    case "/stall-head":
      return; // never answers
    case "/stall-body":
      res.writeHead(200, { "Content-Length": size });
      return void res.write(BODY.subarray(0, 10_000));
    case "/flaky.txt":
      if (n <= 2) return void res.writeHead(503, "Service Unavailable").end();
      return void res.writeHead(200, { "Content-Length": "5" }).end("hello");
    case "/short-once":
    case "/short-always":
      if (range && path === "/short-once") {
        const from = Number(range[1]);
        const cr = `bytes ${from}-${BODY.length - 1}/${BODY.length}`;
        res.writeHead(206, { "Content-Range": cr, "Content-Length": String(BODY.length - from) });
        return void res.end(BODY.subarray(from));
      }
      res.writeHead(200, { "Content-Length": size });
      return void res.write(BODY.subarray(0, 12_000), () => setTimeout(() => res.destroy(), 20));
    case "/gzip.json": {
      const z = gzipSync(BODY);
      return void res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": String(z.length) }).end(z);
    }
    case "/ok.bin":
      return void res.writeHead(200, { "Content-Length": size }).end(BODY);
    default:
      return void res.writeHead(404, "Not Found").end();
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const LIMITS = { retries: 1, backoffMs: 20, connectTimeoutMs: 300, readTimeoutMs: 300 };
const errorOf = (p: Promise<unknown>): Promise<Error> =>
  p.then(() => Promise.reject(new Error("expected a rejection")), (e: Error) => e);
const of = (path: string) => seen.filter((s) => s.path === path);

describe("fetchBytes / fetchText: the hub client's policy for plain URLs", () => {
  test("response headers that never come: TimeoutError naming the URL and the limit, after 1 retry", async () => {
    const t0 = Date.now();
    const err = await errorOf(fetchBytes(`${base}/stall-head`, LIMITS));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`no response from ${base}/stall-head within 300 ms`);
    expect(of("/stall-head")).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(2500);
  }, 5_000);

  test("a body that stalls: TimeoutError naming the bytes and the URL (the retry resumes with Range)", async () => {
    const err = await errorOf(fetchBytes(`${base}/stall-body`, LIMITS));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`GET ${base}/stall-body: stalled after 10000 of 30000 bytes`);
    expect(err.message).toContain(`no bytes from ${base}/stall-body for 300 ms`);
    expect(of("/stall-body").map((s) => s.range)).toEqual([undefined, "bytes=10000-"]);
  }, 5_000);

  test("503 twice, then 200: retried with doubling backoff; text decoded", async () => {
    const t0 = Date.now();
    expect(await fetchText(`${base}/flaky.txt`, { ...LIMITS, retries: 2 })).toBe("hello");
    expect(of("/flaky.txt")).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40 - 5);
  }, 5_000);

  test("a body shorter than its Content-Length is resumed with Range; the joined bytes are the file", async () => {
    const bytes = await fetchBytes(`${base}/short-once`, LIMITS);
    expect(bytes.length).toBe(BODY.length);
    expect(Array.from(bytes)).toEqual(Array.from(BODY));
    expect(of("/short-once").map((s) => s.range)).toEqual([undefined, "bytes=12000-"]);
  }, 5_000);

  test("a body that stays short: UnavailableError naming the bytes received and the URL", async () => {
    const err = await errorOf(fetchBytes(`${base}/short-always`, LIMITS));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`GET ${base}/short-always: connection dropped after 12000 of 30000 bytes`);
    expect(err.message).toContain(`1 retries failed; nothing is kept; URL ${base}/short-always`);
    expect(of("/short-always")).toHaveLength(2);
  }, 5_000);

  test("a gzip-encoded body (as browsers always ask for): its Content-Length is the encoded size, not checked", async () => {
    const bytes = await fetchBytes(`${base}/gzip.json`, LIMITS);
    expect(Array.from(bytes)).toEqual(Array.from(BODY));
    expect(of("/gzip.json")).toHaveLength(1);
  }, 5_000);

  test("404: NotFoundError naming the URL, not retried; fetchOptionalBytes answers null", async () => {
    const err = await errorOf(fetchBytes(`${base}/missing`, LIMITS));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).not.toBeInstanceOf(UnavailableError);
    expect(err.message).toBe(`GET ${base}/missing not found: HTTP 404; URL ${base}/missing`);
    expect(of("/missing")).toHaveLength(1);
    expect(await fetchOptionalBytes(`${base}/missing`, LIMITS)).toBeNull();
    const ok = await fetchOptionalBytes(`${base}/ok.bin`, { ...LIMITS, headers: { authorization: "Bearer t" } });
    expect(Array.from(ok!)).toEqual(Array.from(BODY));
    expect(of("/ok.bin")[0].auth).toBe("Bearer t");
  }, 5_000);

  test("a server that is down: UnavailableError naming the URL after the retries", async () => {
    const err = await errorOf(fetchBytes("http://127.0.0.1:1/x/cfg.json", LIMITS));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain("http://127.0.0.1:1/x/cfg.json");
  }, 5_000);
});
