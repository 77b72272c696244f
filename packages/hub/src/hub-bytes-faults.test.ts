// hubFetchBytes (the "." entry's client: bytes, no file system) against a slow, failing and lying loopback hub
// started by the test: the same policy as hubDownload (hub-fetch.ts). A stalled HEAD and a stalled body are
// TimeoutErrors naming the URL after the retries; 503s are retried with backoff; a dropped body is resumed with
// Range; an LFS file behind a 302 is checked against the hub's X-Linked-Etag (SHA-256) and size; a wrong body (git
// SHA-1 or SHA-256 mismatch, more bytes than announced) is a DownloadError naming the URL and is not cached; a
// hostile ETag is refused. Every test is bounded in time; nothing leaves 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DownloadError, TimeoutError, UnavailableError } from "./errors.ts";
import { hubFetchBytes, MemoryHubCache } from "./hub-bytes.ts";
import type { DownloadProgress } from "./hub-fetch.ts";
import { gitBlobSha1 } from "./sha1.ts";
import { sha256Hex } from "./sha256.ts";

const COMMIT = "c".repeat(40);
const pattern = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);

interface Fault {
  body: Uint8Array;
  getBody?: Uint8Array; // what GET sends instead of body
  etag?: string; // default: git blob SHA-1 of body
  lfs?: boolean; // HEAD answers 302 to /cdn/<name> with X-Linked-Etag = sha256, X-Linked-Size
  stallBodyAt?: number; // GET sends this many bytes, then nothing
  dropFirstAt?: number; // the first GET sends this many bytes, then the connection is cut
  fail503?: number; // the first n GETs answer 503
}

const FILES: Record<string, Fault> = {
  "ok.json": { body: pattern(3000) },
  "lfs.bin": { body: pattern(70_000, 3), lfs: true },
  "lfs-wrong.bin": { body: pattern(5000, 4), getBody: pattern(5000, 5), lfs: true },
  "wrong.json": { body: pattern(5000), getBody: new Uint8Array(5000) },
  "longer.json": { body: pattern(5000), getBody: pattern(6000) },
  "hostile.json": { body: pattern(10), etag: '"../../escape"' },
  "stall-body.bin": { body: pattern(50_000), stallBodyAt: 20_000 },
  "drop.bin": { body: pattern(40_000, 6), dropFirstAt: 16_384 },
  "flaky.json": { body: pattern(900), fail503: 2 },
};

let server: Server;
let endpoint = "";
const seen: { method: string; path: string; range?: string }[] = [];
const getCount: Record<string, number> = {};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(req.url ?? "");
  seen.push({ method: req.method!, path, range: req.headers.range });
  const cdn = path.match(/^\/cdn\/(.+)$/);
  const hub = path.match(/^\/x\/y\/resolve\/main\/(.+)$/);
  const name = cdn?.[1] ?? hub?.[1] ?? "";
  if (req.method === "HEAD" && name.startsWith("stall-head")) return; // never answers
  const f = FILES[name];
  if (!f) return void res.writeHead(404).end();
  const size = String(f.body.length);
  if (hub && f.lfs) {
    const linked = { "X-Linked-Etag": `"${sha256Hex(f.body)}"`, "X-Linked-Size": size, "X-Repo-Commit": COMMIT };
    return void res.writeHead(302, { Location: `/cdn/${name}`, ...linked }).end();
  }
  const headers: Record<string, string> = { "X-Repo-Commit": COMMIT, ETag: f.etag ?? `"${gitBlobSha1(f.body)}"` };
  if (req.method === "HEAD") return void res.writeHead(200, { ...headers, "Content-Length": size }).end();
  const n = (getCount[name] = (getCount[name] ?? 0) + 1);
  if (f.fail503 && n <= f.fail503) return void res.writeHead(503).end();
  let body = f.getBody ?? f.body;
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  if (range && f.dropFirstAt !== undefined) {
    const from = Number(range[1]);
    const cr = `bytes ${from}-${body.length - 1}/${body.length}`;
    res.writeHead(206, { ...headers, "Content-Range": cr, "Content-Length": String(body.length - from) });
    return void res.end(body.subarray(from));
  }
  res.writeHead(200, { ...headers, "Content-Length": String(body.length) });
  if (f.stallBodyAt !== undefined) return void res.write(body.subarray(0, f.stallBodyAt));
  if (f.dropFirstAt !== undefined && n === 1) {
    body = body.subarray(0, f.dropFirstAt);
    return void res.write(body, () => setTimeout(() => res.destroy(), 20));
  }
  res.end(body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const LIMITS = { retries: 1, backoffMs: 20, connectTimeoutMs: 300, readTimeoutMs: 300 }; // the bounds asserted below
const opts = () => ({ endpoint, token: false as const, ...LIMITS, onWarning: () => {} });
const url = (name: string) => `${endpoint}/x/y/resolve/main/${name}`;
const errorOf = (p: Promise<unknown>): Promise<Error> =>
  p.then(() => Promise.reject(new Error("expected a rejection")), (e: Error) => e);
const of = (name: string, method?: string) =>
  seen.filter((s) => s.path.endsWith(`/${name}`) && (!method || s.method === method));

describe("hubFetchBytes: timeouts and retries", () => {
  test("a HEAD that never answers: TimeoutError naming the URL and the limit, after 1 retry", async () => {
    const t0 = Date.now();
    const err = await errorOf(hubFetchBytes("x/y", "stall-head.json", opts()));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`no response from ${url("stall-head.json")} within 300 ms`);
    expect(of("stall-head.json", "HEAD")).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(2500); // 2 x 300 ms + 20 ms backoff, with slack for a loaded machine
  }, 5_000);

  test("a body that stalls: TimeoutError naming bytes and URL after the retry (resumed with Range)", async () => {
    const cache = new MemoryHubCache();
    const err = await errorOf(hubFetchBytes("x/y", "stall-body.bin", { ...opts(), cache }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain("stalled after 20000 of 50000 bytes");
    expect(err.message).toContain(`no bytes from ${url("stall-body.bin")} for 300 ms`);
    expect(err.message).toContain("1 retries failed; nothing is kept");
    expect(of("stall-body.bin", "GET").map((s) => s.range)).toEqual([undefined, "bytes=20000-"]);
    expect(cache.size).toBe(0);
  }, 5_000);

  test("503 twice then 200: retried with doubling backoff, then the checked bytes", async () => {
    const t0 = Date.now();
    const bytes = await hubFetchBytes("x/y", "flaky.json", { ...opts(), retries: 2 });
    expect(Array.from(bytes)).toEqual(Array.from(FILES["flaky.json"].body));
    expect(of("flaky.json", "GET")).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40 - 5);
    const failing = await errorOf(hubFetchBytes("x/y", "missing.json", opts()));
    expect(failing).toBeInstanceOf(DownloadError);
    expect(failing).not.toBeInstanceOf(UnavailableError); // 404: not retried
    expect(of("missing.json")).toHaveLength(1);
  }, 5_000);

  test("a connection cut mid-body is resumed with Range; the joined bytes pass the git SHA-1 check", async () => {
    const reports: DownloadProgress[] = [];
    const bytes = await hubFetchBytes("x/y", "drop.bin", { ...opts(), onProgress: (p) => reports.push(p) });
    expect(Array.from(bytes)).toEqual(Array.from(FILES["drop.bin"].body));
    expect(of("drop.bin", "GET").map((s) => s.range)).toEqual([undefined, "bytes=16384-"]);
    expect(reports.at(-1)).toEqual({ repoId: "x/y", filename: "drop.bin", downloaded: 40_000, total: 40_000 });
  }, 5_000);
});

describe("hubFetchBytes: checks against the hub's size and ETag", () => {
  test("an LFS file behind a 302: fetched from the CDN, checked by the hub's X-Linked-Etag (SHA-256)", async () => {
    const cache = new MemoryHubCache();
    const bytes = await hubFetchBytes("x/y", "lfs.bin", { ...opts(), cache });
    expect(Array.from(bytes)).toEqual(Array.from(FILES["lfs.bin"].body));
    expect(of("lfs.bin").map((s) => `${s.method} ${s.path}`)).toEqual([
      "HEAD /x/y/resolve/main/lfs.bin",
      "HEAD /cdn/lfs.bin",
      "GET /cdn/lfs.bin",
    ]);
    expect(cache.size).toBe(1);
  }, 5_000);

  test("wrong bytes: DownloadError with both checksums and the URL; nothing cached", async () => {
    const cache = new MemoryHubCache();
    const lfs = await errorOf(hubFetchBytes("x/y", "lfs-wrong.bin", { ...opts(), cache }));
    expect(lfs).toBeInstanceOf(DownloadError);
    expect(lfs).not.toBeInstanceOf(UnavailableError);
    const want = sha256Hex(FILES["lfs-wrong.bin"].body);
    const got = sha256Hex(FILES["lfs-wrong.bin"].getBody!);
    expect(lfs.message).toContain(`checksum mismatch, sha256 ${got} but the hub's ETag is ${want}`);
    expect(lfs.message).toContain(`nothing was cached; URL ${endpoint}/cdn/lfs-wrong.bin`);
    const git = await errorOf(hubFetchBytes("x/y", "wrong.json", { ...opts(), cache }));
    expect(git.message).toContain(`checksum mismatch, git blob sha1 ${gitBlobSha1(new Uint8Array(5000))}`);
    expect(git.message).toContain(url("wrong.json"));
    const longer = await errorOf(hubFetchBytes("x/y", "longer.json", { ...opts(), cache }));
    expect(longer).toBeInstanceOf(DownloadError);
    expect(longer.message).toContain(`more than the 5000 bytes it announced; the download was deleted; URL`);
    expect(cache.size).toBe(0);
  }, 5_000);

  test("an ETag that is not a checksum is refused before any GET", async () => {
    const err = await errorOf(hubFetchBytes("x/y", "hostile.json", opts()));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain(`the server sent ETag "\\"../../escape\\""`);
    expect(of("hostile.json", "GET")).toHaveLength(0);
  }, 5_000);

  test("a cached branch copy whose ETag the hub still names is answered after one HEAD, no GET", async () => {
    const cache = new MemoryHubCache();
    await hubFetchBytes("x/y", "ok.json", { ...opts(), cache });
    const again = await hubFetchBytes("x/y", "ok.json", { ...opts(), cache });
    expect(Array.from(again)).toEqual(Array.from(FILES["ok.json"].body));
    expect(of("ok.json").map((s) => s.method)).toEqual(["HEAD", "GET", "HEAD"]);
  }, 5_000);
});
