// The hub client against a loopback server that speaks the hub's resolve protocol: 200 + ETag for git files,
// 302 + X-Linked-Etag to a "CDN" path for LFS files, Range/206 on the CDN, 404/401 with X-Error-Code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError } from "./errors.ts";
import { hubCacheDir, repoFolderName } from "./hub-cache.ts";
import type { DownloadProgress } from "./hub-fetch.ts";
import { hubFileUrl } from "./hub-names.ts";
import { hubDownload } from "./hub.ts";
import { gitBlobSha1 } from "./sha1.ts";
import { sha256Hex } from "./sha256.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const REPO = "org/tiny";

function bytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

interface HubFile {
  body: Uint8Array<ArrayBuffer>;
  lfs: boolean;
  etag?: string; // override (a wrong checksum)
  dropFirst?: number; // CDN requests without Range that close after half the bytes
  busyFirst?: number; // CDN requests answered with 503
  private?: boolean;
}

const FILES: Record<string, HubFile> = {
  "config.json": { body: new TextEncoder().encode('{"d_model": 64}\n'), lfs: false },
  "model.safetensors": { body: bytes(300_000, 1), lfs: true },
  "flaky.bin": { body: bytes(150_001, 2), lfs: true, dropFirst: 1 },
  "resume.bin": { body: bytes(50_000, 3), lfs: true },
  "always-drops.bin": { body: bytes(40_000, 4), lfs: true, dropFirst: 1000 },
  "broken.bin": { body: bytes(20_000, 5), lfs: true, etag: sha256Hex("something else") },
  "sub/dir/notes.txt": { body: new TextEncoder().encode("nested file"), lfs: false },
  "secret.bin": { body: bytes(1000, 6), lfs: true, private: true },
  "dead-cdn.bin": { body: bytes(10, 7), lfs: true },
  "busy.bin": { body: bytes(3000, 8), lfs: true, busyFirst: 2 },
};

interface Seen {
  method: string;
  url: string;
  range?: string;
  auth?: string;
}

let server: Server;
let endpoint: string;
let cache: string;
const seen: Seen[] = [];
const drops = new Map<string, number>();

function etagOf(name: string): string {
  const f = FILES[name];
  return f.etag ?? (f.lfs ? sha256Hex(f.body) : gitBlobSha1(f.body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = decodeURIComponent(req.url ?? "");
  seen.push({ method: req.method!, url, range: req.headers.range, auth: req.headers.authorization });
  const cdn = url.match(/^\/cdn\/(.+)$/);
  if (cdn) return serveCdn(cdn[1], req, res);
  const m = url.match(/^\/org\/tiny\/resolve\/([^/]+)\/(.+)$/);
  const f = m ? FILES[m[2]] : undefined;
  if (!m || !f || (m[1] !== "main" && m[1] !== COMMIT)) {
    res.writeHead(404, { "X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found" }).end();
    return;
  }
  if (f.private && req.headers.authorization !== "Bearer good-token") {
    res.writeHead(401, { "X-Error-Code": "GatedRepo" }).end();
    return;
  }
  const common = { "X-Repo-Commit": COMMIT };
  if (f.lfs) {
    const cdnUrl = m[2] === "dead-cdn.bin" ? "http://127.0.0.1:1/cdn/dead" : `/cdn/${m[2]}`;
    res.writeHead(302, { ...common, Location: cdnUrl, "X-Linked-Etag": `"${etagOf(m[2])}"`, "X-Linked-Size": String(f.body.length) }).end();
    return;
  }
  res.writeHead(200, { ...common, ETag: `"${etagOf(m[2])}"`, "Content-Length": String(f.body.length) });
  res.end(req.method === "HEAD" ? undefined : f.body);
}

function serveCdn(name: string, req: IncomingMessage, res: ServerResponse): void {
  const f = FILES[name];
  const headers = { ETag: `"cdn-${name}"`, "Accept-Ranges": "bytes" };
  if (req.method === "HEAD") {
    res.writeHead(200, { ...headers, "Content-Length": String(f.body.length) }).end();
    return;
  }
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  if (range) {
    const start = Number(range[1]);
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${f.body.length - 1}/${f.body.length}`, "Content-Length": String(f.body.length - start) });
    res.end(f.body.subarray(start));
    return;
  }
  const dropped = drops.get(name) ?? 0;
  if (dropped < (f.busyFirst ?? 0)) {
    drops.set(name, dropped + 1);
    res.writeHead(503).end();
    return;
  }
  res.writeHead(200, { ...headers, "Content-Length": String(f.body.length) });
  if (dropped < (f.dropFirst ?? 0)) {
    drops.set(name, dropped + 1);
    res.write(f.body.subarray(0, Math.floor(f.body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 10));
    return;
  }
  res.end(f.body);
}

function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: Error) => e,
  );
}

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), "hub-cache-"));
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(() => {
  if (server.listening) server.close();
  rmSync(cache, { recursive: true, force: true });
});

const opts = () => ({ endpoint, cacheDir: cache, quiet: true, token: false as const, backoffMs: 1 });
const repoRoot = () => join(cache, "models--org--tiny");

describe("hub cache layout", () => {
  test("cache dir from the environment and folder names like huggingface_hub", () => {
    expect(hubCacheDir({ HF_HUB_CACHE: "/x/hub", HF_HOME: "/y" })).toBe("/x/hub");
    expect(hubCacheDir({ HF_HOME: "/y" })).toBe("/y/hub");
    expect(hubCacheDir({ XDG_CACHE_HOME: "/z" })).toBe("/z/huggingface/hub");
    expect(repoFolderName("gpt2")).toBe("models--gpt2");
    expect(repoFolderName("jbloom/GPT2-Small-SAEs", "dataset")).toBe("datasets--jbloom--GPT2-Small-SAEs");
    expect(hubFileUrl("org/m", "a b/c.json", "refs/pr/1", "https://h.co/")).toBe("https://h.co/org/m/resolve/refs%2Fpr%2F1/a%20b/c.json");
  });
});

describe("hubDownload", () => {
  test("a git file: blob named by ETag, snapshot symlink, refs/main holds the commit", async () => {
    const path = await hubDownload(REPO, "config.json", opts());
    expect(path).toBe(join(repoRoot(), "snapshots", COMMIT, "config.json"));
    expect(readFileSync(path, "utf8")).toBe('{"d_model": 64}\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path)).toBe(join("..", "..", "blobs", etagOf("config.json")));
    expect(readFileSync(join(repoRoot(), "refs", "main"), "utf8")).toBe(COMMIT);
  });

  test("an LFS file through a 302 redirect, with progress reports, verified by sha256", async () => {
    const reports: DownloadProgress[] = [];
    const path = await hubDownload(REPO, "model.safetensors", { ...opts(), onProgress: (p) => reports.push({ ...p }) });
    expect(Uint8Array.from(readFileSync(path))).toEqual(FILES["model.safetensors"].body);
    expect(existsSync(join(repoRoot(), "blobs", sha256Hex(FILES["model.safetensors"].body)))).toBe(true);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[reports.length - 1]).toEqual({ repoId: REPO, filename: "model.safetensors", downloaded: 300_000, total: 300_000 });
    expect(seen.some((s) => s.method === "GET" && s.url === "/cdn/model.safetensors")).toBe(true);
  });

  test("a transfer the server cuts off halfway is resumed with Range", async () => {
    const body = FILES["flaky.bin"].body;
    const path = await hubDownload(REPO, "flaky.bin", opts());
    expect(Uint8Array.from(readFileSync(path))).toEqual(body);
    const gets = seen.filter((s) => s.method === "GET" && s.url === "/cdn/flaky.bin");
    expect(gets.length).toBe(2);
    expect(gets[0].range).toBeUndefined();
    expect(gets[1].range).toBe(`bytes=${Math.floor(body.length / 2)}-`);
  });

  test("a partial file left by an earlier run is resumed", async () => {
    const body = FILES["resume.bin"].body;
    const blobs = join(repoRoot(), "blobs");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${etagOf("resume.bin")}.incomplete`), body.subarray(0, 12_345));
    const path = await hubDownload(REPO, "resume.bin", opts());
    expect(Uint8Array.from(readFileSync(path))).toEqual(body);
    expect(seen.filter((s) => s.method === "GET" && s.url === "/cdn/resume.bin").map((s) => s.range)).toEqual(["bytes=12345-"]);
  });

  test("a server that keeps dropping: DownloadError after the retries, partial file kept", async () => {
    const err = await errorOf(hubDownload(REPO, "always-drops.bin", { ...opts(), retries: 0 }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain("connection dropped after 20000 of 40000 bytes");
    expect(existsSync(join(repoRoot(), "blobs", `${etagOf("always-drops.bin")}.incomplete`))).toBe(true);
  });

  test("a CDN answering 503 twice: retried with backoff, then downloaded", async () => {
    const path = await hubDownload(REPO, "busy.bin", opts());
    expect(Uint8Array.from(readFileSync(path))).toEqual(FILES["busy.bin"].body);
    expect(seen.filter((s) => s.method === "GET" && s.url === "/cdn/busy.bin").length).toBe(3);
  });

  test("a checksum mismatch is a DownloadError and leaves no blob", async () => {
    const err = await errorOf(hubDownload(REPO, "broken.bin", opts()));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain("checksum mismatch");
    expect(err.message).toContain(sha256Hex(FILES["broken.bin"].body));
    const blob = join(repoRoot(), "blobs", etagOf("broken.bin"));
    expect(existsSync(blob) || existsSync(`${blob}.incomplete`)).toBe(false);
  });

  test("404 names repo, file, revision and URL; 401 mentions HF_TOKEN; a token gets through", async () => {
    const e404 = await errorOf(hubDownload(REPO, "nope.bin", { ...opts(), revision: "v2" }));
    expect(e404).toBeInstanceOf(DownloadError);
    for (const part of ["org/tiny", "nope.bin", "'v2'", "404", "EntryNotFound", `${endpoint}/org/tiny/resolve/v2/nope.bin`]) expect(e404.message).toContain(part);
    const e401 = await errorOf(hubDownload(REPO, "secret.bin", opts()));
    expect(e401).toBeInstanceOf(DownloadError);
    expect(e401.message).toContain("HF_TOKEN");
    const path = await hubDownload(REPO, "secret.bin", { ...opts(), token: "good-token" });
    expect(Uint8Array.from(readFileSync(path))).toEqual(FILES["secret.bin"].body);
    expect(seen.some((s) => s.auth === "Bearer good-token" && s.url.endsWith("secret.bin"))).toBe(true);
  });

  test("a CDN that refuses connections is a DownloadError naming the URL", async () => {
    const err = await errorOf(hubDownload(REPO, "dead-cdn.bin", { ...opts(), retries: 0 }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain("dead-cdn.bin");
    expect(err.message).toContain("cannot reach");
  });

  test("nested file names keep their folders in the snapshot", async () => {
    const path = await hubDownload(REPO, "sub/dir/notes.txt", opts());
    expect(path).toBe(join(repoRoot(), "snapshots", COMMIT, "sub", "dir", "notes.txt"));
    expect(readFileSync(path, "utf8")).toBe("nested file");
  });

  test("cached files: a commit revision needs no request; with the server stopped the cache answers", async () => {
    const before = seen.length;
    const byCommit = await hubDownload(REPO, "model.safetensors", { ...opts(), revision: COMMIT });
    expect(seen.length).toBe(before);
    expect(byCommit).toBe(join(repoRoot(), "snapshots", COMMIT, "model.safetensors"));
    const offline = await hubDownload(REPO, "config.json", { ...opts(), offline: true });
    expect(readFileSync(offline, "utf8")).toBe('{"d_model": 64}\n');
    expect(seen.length).toBe(before);
    const missing = await errorOf(hubDownload(REPO, "never.bin", { ...opts(), offline: true }));
    expect(missing).toBeInstanceOf(DownloadError);
    expect(missing.message).toContain("not in the cache");
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
    const warnings: string[] = [];
    const path = await hubDownload(REPO, "model.safetensors", { ...opts(), onWarning: (w) => warnings.push(w) });
    expect(path).toBe(byCommit);
    expect(warnings).toEqual([expect.stringContaining(`cannot reach ${endpoint}/org/tiny/resolve/main/model.safetensors`)]);
    expect(Uint8Array.from(readFileSync(path))).toEqual(FILES["model.safetensors"].body);
    const unreachable = await errorOf(hubDownload(REPO, "resolve-me.bin", opts()));
    expect(unreachable).toBeInstanceOf(DownloadError);
    expect(unreachable.message).toContain("cannot reach");
  });
});
