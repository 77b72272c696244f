// The hub client against a hostile, slow and failing loopback hub (issue 15, defects 3, 4, 5, 10, 11): hostile ETag
// and X-Repo-Commit, two concurrent downloads of one throttled file (in one process and across two), a stalled HEAD
// and a stalled body, 5xx with and without a cached file, wrong / longer / truncated bodies of git files, offline mode.
// Every test is bounded in time; the server is started by the test and never reached over the network.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DownloadError, TimeoutError, UnavailableError } from "./errors.ts";
import { hubDownload } from "./hub.ts";
import { gitBlobSha1 } from "./sha1.ts";

const COMMIT = "c".repeat(40);
const REPO = "x/y";

interface Fault {
  body: Uint8Array<ArrayBuffer>;
  etag?: string; // header value sent as is (default: "<git blob sha1 of body>")
  commit?: string;
  getBody?: Uint8Array<ArrayBuffer>; // what GET sends instead of body
  noLength?: boolean; // neither HEAD nor GET sends Content-Length (chunked)
  chunk?: number; // GET writes chunk bytes every throttleMs
  throttleMs?: number;
  stallBodyAt?: number; // GET sends this many bytes, then nothing
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const FILES: Record<string, Fault> = {
  "hostile-etag.bin": { body: pattern(100), etag: '"../../../../escaped-blob"' },
  "hostile-commit.bin": { body: pattern(100), commit: "../../../../escaped-commit" },
  "weak-etag.json": { body: pattern(77), etag: `W/"${gitBlobSha1(pattern(77))}"` },
  "slow.bin": { body: pattern(120_000), chunk: 4000, throttleMs: 20 },
  "slow2.bin": { body: pattern(160_000), chunk: 4000, throttleMs: 25 },
  "stall-body.bin": { body: pattern(50_000), stallBodyAt: 20_000 },
  "cached.bin": { body: pattern(3000) },
  "stall-head-cached.bin": { body: pattern(3001) },
  "uncached.bin": { body: pattern(10) },
  "wrong.json": { body: pattern(5000), getBody: new Uint8Array(5000) },
  "longer.json": { body: pattern(5000), getBody: pattern(6000) },
  "truncated.json": { body: pattern(5000), getBody: pattern(2500), noLength: true },
  "locked.bin": { body: pattern(900) },
};

let server: Server;
let endpoint: string;
let root: string; // the cache lives three levels down, so an escape has somewhere to land
let cache: string;
let mode: "ok" | "500" = "ok";
const seen: { method: string; name: string; range?: string }[] = [];
const warnings: string[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const m = decodeURIComponent(req.url ?? "").match(/^\/x\/y\/resolve\/main\/(.+)$/);
  const f = m ? FILES[m[1]] : undefined;
  seen.push({ method: req.method!, name: m?.[1] ?? "", range: req.headers.range });
  if (req.method === "HEAD" && m?.[1].startsWith("stall-head")) return; // never answers
  if (mode === "500") return void res.writeHead(500).end();
  if (!f) return void res.writeHead(404).end();
  const etag = f.etag ?? `"${gitBlobSha1(f.body)}"`;
  const headers: Record<string, string> = { ETag: etag, "X-Repo-Commit": f.commit ?? COMMIT };
  const body = req.method === "HEAD" ? f.body : (f.getBody ?? f.body);
  if (!f.noLength) headers["Content-Length"] = String(body.length);
  res.writeHead(200, headers);
  if (req.method === "HEAD") return void res.end();
  if (f.stallBodyAt !== undefined) return void res.write(body.subarray(0, f.stallBodyAt));
  if (!f.chunk) return void res.end(body);
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= body.length) return void res.end();
    res.write(body.subarray(at, at + f.chunk!));
    at += f.chunk!;
    setTimeout(next, f.throttleMs);
  };
  next();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hub-faults-"));
  cache = join(root, "a", "b", "c", "cache");
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(root, { recursive: true, force: true });
});

const LIMITS = { retries: 1, backoffMs: 10, connectTimeoutMs: 400, readTimeoutMs: 400 }; // the bounds asserted below
const warn = (line: string) => void warnings.push(line);
const opts = () => ({ endpoint, cacheDir: cache, quiet: true, token: false as const, ...LIMITS, onWarning: warn });
const gets = (name: string) => seen.filter((s) => s.method === "GET" && s.name === name);
const blobs = () => join(cache, "models--x--y", "blobs");

const errorOf = (p: Promise<unknown>): Promise<Error> =>
  p.then(() => Promise.reject(new Error("expected a rejection")), (e: Error) => e);

/** Every file and link under root, relative to it. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : [relative(root, p)];
  });
}
const outsideCache = () => walk(root).filter((p) => !p.startsWith(join("a", "b", "c", "cache")) || p.includes("escaped"));

describe("hostile hub headers", () => {
  test("an ETag with path parts is refused and nothing is written outside the cache", async () => {
    const err = await errorOf(hubDownload(REPO, "hostile-etag.bin", opts()));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain("ETag");
    expect(err.message).toContain(`${endpoint}/x/y/resolve/main/hostile-etag.bin`);
    expect(outsideCache()).toEqual([]);
  });

  test("an X-Repo-Commit that is not 40 hex digits is refused and nothing is written outside the cache", async () => {
    const err = await errorOf(hubDownload(REPO, "hostile-commit.bin", opts()));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain("X-Repo-Commit");
    expect(outsideCache()).toEqual([]);
  });

  test("a weak ETag W/\"<sha1>\" is accepted and names the blob", async () => {
    const path = await hubDownload(REPO, "weak-etag.json", opts());
    expect(Uint8Array.from(readFileSync(path))).toEqual(FILES["weak-etag.json"].body);
    expect(existsSync(join(blobs(), gitBlobSha1(FILES["weak-etag.json"].body)))).toBe(true);
  });

  test("repo ids, revisions and filenames that would leave the cache are refused before any request", async () => {
    const before = seen.length;
    const cases: [string, string, string][] = [
      ["../x", "f.bin", "main"],
      ["x/y", "../../f.bin", "main"],
      ["x/y", "/etc/passwd", "main"],
      ["x/y", "a/./b", "main"],
      ["x/y", "f.bin", "../../../escaped"],
    ];
    for (const [repo, file, revision] of cases) {
      const err = await errorOf(hubDownload(repo, file, { ...opts(), revision }));
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toMatch(/repo id|filename|revision/);
    }
    expect(seen.length).toBe(before);
    expect(outsideCache()).toEqual([]);
  });
});

describe("concurrent downloads of one file", () => {
  test("two calls in one process: one GET, both get the complete file", async () => {
    const late = new Promise((r) => setTimeout(r, 150)).then(() => hubDownload(REPO, "slow.bin", opts()));
    const [a, b] = await Promise.all([hubDownload(REPO, "slow.bin", opts()), late]);
    expect(a).toBe(b);
    expect(Uint8Array.from(readFileSync(a))).toEqual(FILES["slow.bin"].body);
    expect(gets("slow.bin").length).toBe(1);
  }, 15_000);

  test("two processes: one GET, both get the complete file", async () => {
    const script = `import { hubDownload } from ${JSON.stringify(join(import.meta.dir, "hub.ts"))};
      console.log(await hubDownload("x/y", "slow2.bin", ${JSON.stringify({ ...opts(), onWarning: undefined })}));`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const t0 = Date.now();
    while (gets("slow2.bin").length === 0 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 20));
    expect(gets("slow2.bin").length).toBe(1); // the child is downloading now
    const mine = await hubDownload(REPO, "slow2.bin", opts());
    const out = (await new Response(child.stdout).text()).trim();
    expect(await child.exited).toBe(0);
    expect(out).toBe(mine);
    expect(Uint8Array.from(readFileSync(mine))).toEqual(FILES["slow2.bin"].body);
    expect(gets("slow2.bin").length).toBe(1);
  }, 30_000);

  test("a lock left by a dead process is taken over", async () => {
    const body = FILES["locked.bin"].body;
    const locks = join(cache, ".locks", "models--x--y");
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, `${gitBlobSha1(body)}.sae-lock`), `999999999 ${hostname()} dead`); // no such pid
    const path = await hubDownload(REPO, "locked.bin", opts());
    expect(Uint8Array.from(readFileSync(path))).toEqual(body);
    expect(existsSync(join(locks, `${gitBlobSha1(body)}.sae-lock`))).toBe(false);
  }, 10_000);
});

describe("stalls and server errors", () => {
  test("a HEAD that never answers: TimeoutError naming the URL within the configured bound", async () => {
    const t0 = Date.now();
    const err = await errorOf(hubDownload(REPO, "stall-head.bin", opts()));
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`${endpoint}/x/y/resolve/main/stall-head.bin`);
    expect(err.message).toContain("400 ms");
    expect(ms).toBeLessThan(2 * 400 + 10 + 2500); // two attempts, one backoff, slack for a loaded machine
    expect(seen.filter((s) => s.method === "HEAD" && s.name === "stall-head.bin").length).toBe(2);
  }, 8_000);

  test("a body that stalls: TimeoutError naming the URL, retried with Range, the partial file kept", async () => {
    const t0 = Date.now();
    const err = await errorOf(hubDownload(REPO, "stall-body.bin", opts()));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain(`${endpoint}/x/y/resolve/main/stall-body.bin`);
    expect(Date.now() - t0).toBeLessThan(2 * 400 + 10 + 2500);
    expect(gets("stall-body.bin").map((s) => s.range)).toEqual([undefined, "bytes=20000-"]);
    const partial = join(blobs(), `${gitBlobSha1(FILES["stall-body.bin"].body)}.incomplete`);
    expect(statSync(partial).size).toBe(20_000); // the server ignores Range: each attempt starts the file again
  }, 8_000);

  test("HTTP 500 with the file cached: the cached path and a one-line warning", async () => {
    const first = await hubDownload(REPO, "cached.bin", opts());
    mode = "500";
    try {
      warnings.length = 0;
      const again = await hubDownload(REPO, "cached.bin", opts());
      expect(again).toBe(first);
      expect(Uint8Array.from(readFileSync(again))).toEqual(FILES["cached.bin"].body);
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toContain("HTTP 500");
      expect(warnings[0]).toContain(first);
    } finally {
      mode = "ok";
    }
  }, 8_000);

  test("a stalled HEAD with the file cached: the cached path within one timeout", async () => {
    const heads = () => seen.filter((s) => s.method === "HEAD" && s.name === "stall-head-cached.bin").length;
    const body = FILES["stall-head-cached.bin"].body; // in the cache as an earlier run left it
    const repo = join(cache, "models--x--y");
    const snap = join(repo, "snapshots", COMMIT, "stall-head-cached.bin");
    mkdirSync(join(repo, "snapshots", COMMIT), { recursive: true });
    mkdirSync(join(repo, "refs"), { recursive: true });
    writeFileSync(snap, body);
    writeFileSync(join(repo, "refs", "main"), COMMIT);
    warnings.length = 0;
    const n = heads();
    const t0 = Date.now();
    const path = await hubDownload(REPO, "stall-head-cached.bin", opts());
    expect(path).toBe(snap);
    expect(Date.now() - t0).toBeLessThan(400 + 2500);
    expect(heads() - n).toBe(1);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain("400 ms");
  }, 8_000);

  test("HTTP 500 and nothing cached: UnavailableError naming status and URL after the retries", async () => {
    mode = "500";
    try {
      const err = await errorOf(hubDownload(REPO, "uncached.bin", { ...opts(), retries: 2 }));
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err.message).toContain("HTTP 500");
      expect(err.message).toContain(`${endpoint}/x/y/resolve/main/uncached.bin`);
      expect(seen.filter((s) => s.method === "HEAD" && s.name === "uncached.bin").length).toBe(3);
    } finally {
      mode = "ok";
    }
  }, 8_000);
});

describe("git files verified against their ETag (git blob SHA-1)", () => {
  for (const [name, what] of [
    ["wrong.json", "wrong bytes"],
    ["longer.json", "a longer body than announced"],
    ["truncated.json", "a truncated body with no length"],
  ] as const) {
    test(`${what}: DownloadError, nothing cached, the next call downloads again`, async () => {
      const err = await errorOf(hubDownload(REPO, name, opts()));
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toContain(name);
      const blob = join(blobs(), gitBlobSha1(FILES[name].body));
      expect(existsSync(blob) || existsSync(`${blob}.incomplete`)).toBe(false);
      expect(existsSync(join(cache, "models--x--y", "snapshots", COMMIT, name))).toBe(false);
      const n = gets(name).length;
      await errorOf(hubDownload(REPO, name, opts()));
      expect(gets(name).length).toBe(n + 1);
    }, 8_000);
  }
});

describe("offline", () => {
  test("HF_HUB_OFFLINE=1: cached files without a request, missing ones a DownloadError", async () => {
    const cached = await hubDownload(REPO, "weak-etag.json", opts());
    const before = seen.length;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      expect(await hubDownload(REPO, "weak-etag.json", opts())).toBe(cached);
      const err = await errorOf(hubDownload(REPO, "never.bin", opts()));
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toContain("offline");
      expect(seen.length).toBe(before);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
  });
});
