// A server that compresses although the client asks for none (accept-encoding: identity): fetchBytes, hubFetchBytes
// and hubDownload return the decoded file whether the runtime's fetch decoded it (Bun, Node, browsers) or handed back
// the encoded bytes (Deno): gzip with and without a Content-Length, deflate, br; sha256 and git-sha1 ETags checked
// on the decoded bytes, also when the encoded body is longer than the file. Never decoded twice: a .gz served plain
// stays the .gz, a .gz served with Content-Encoding: gzip is the .gz. An encoded body cut short is fetched again
// without Range, and a Range answered with an encoded 206 starts over. Runs under Bun and Deno (deno/suite.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { DownloadError, UnavailableError } from "./errors.ts";
import { fetchBytes } from "./fetch-url.ts";
import { repoFolderName } from "./hub-cache.ts";
import { hubFetchBytes } from "./hub-bytes.ts";
import { hubDownload } from "./hub.ts";
import { gitBlobSha1 } from "./sha1.ts";
import { sha256Hex } from "./sha256.ts";

const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const text = (n: number) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `{"row": ${i}}`).join(",\n"));
function noise(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24);
}
const JSON_BODY = text(4000); // ~50 kB, gzips to a few kB
const NOISE = noise(40_000, 3); // gzips to more bytes than it has
const GZ_FILE = gzipSync(JSON_BODY); // a file that is itself gzip

interface File {
  body: Uint8Array; // the file
  coding?: "gzip" | "deflate" | "br" | "compress"; // what the server compresses it with, whatever the request asked
  chunked?: boolean; // no Content-Length (as servers that compress on the fly send)
  sha1?: boolean; // git blob sha1 ETag (else sha256, as for LFS files)
  cutFirst?: boolean; // the first GET closes after half the encoded bytes
}

const FILES: Record<string, File> = {
  "gzip.json": { body: JSON_BODY, coding: "gzip" },
  "chunked.json": { body: JSON_BODY, coding: "gzip", chunked: true, sha1: true },
  "deflate.json": { body: JSON_BODY, coding: "deflate" },
  "br.json": { body: JSON_BODY, coding: "br" },
  "noise.bin": { body: NOISE, coding: "gzip" },
  "plain.gz": { body: GZ_FILE },
  "encoded.gz": { body: GZ_FILE, coding: "gzip" },
  "cut.bin": { body: NOISE, coding: "gzip", cutFirst: true },
  "compress.bin": { body: NOISE, coding: "compress" }, // no runtime decodes it (sent as is, the header a lie)
};

const ENCODE = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, compress: (b: Uint8Array) => b };
const etagOf = (f: File) => (f.sha1 ? gitBlobSha1(f.body) : sha256Hex(f.body));
let server: Server;
let base = "";
let cache = "";
const seen: { method: string; name: string; range?: string; acceptEncoding?: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const name = (req.url ?? "").replace(/^\/(org\/z\/resolve\/main|raw)\//, "");
  const method = req.method ?? "GET";
  seen.push({ method, name, range: req.headers.range, acceptEncoding: req.headers["accept-encoding"] as string });
  const f = FILES[name];
  if (!f) return void res.writeHead(404, { "X-Error-Code": "EntryNotFound" }).end();
  const encoded = f.coding ? new Uint8Array(ENCODE[f.coding](f.body)) : f.body;
  const headers: Record<string, string> = { ETag: `"${etagOf(f)}"`, "X-Repo-Commit": COMMIT };
  if (f.coding) headers["Content-Encoding"] = f.coding;
  if (method === "HEAD") {
    if (!f.chunked) headers["Content-Length"] = String(f.body.length); // the file's size (HEAD sends no body)
    return void res.writeHead(200, headers).end();
  }
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  if (range) {
    const from = Number(range[1]); // a range of the encoded bytes, as HTTP defines it
    headers["Content-Range"] = `bytes ${from}-${encoded.length - 1}/${encoded.length}`;
    headers["Content-Length"] = String(encoded.length - from);
    return void res.writeHead(206, headers).end(encoded.subarray(from));
  }
  if (!f.chunked) headers["Content-Length"] = String(encoded.length);
  res.writeHead(200, headers);
  if (f.cutFirst && seen.filter((s) => s.name === name && s.method === "GET").length === 1) {
    return void res.write(encoded.subarray(0, encoded.length >> 1), () => setTimeout(() => res.destroy(), 20));
  }
  res.write(encoded.subarray(0, 100)); // two writes: a chunked body comes in two chunks
  res.end(encoded.subarray(100));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  cache = mkdtempSync(join(tmpdir(), "sae-hub-gzip-"));
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(cache, { recursive: true, force: true });
});

const LIMITS = { retries: 2, backoffMs: 10, connectTimeoutMs: 2000, readTimeoutMs: 2000 };
const hub = () => ({ ...LIMITS, endpoint: base, token: false as const });
const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
const gets = (name: string) => seen.filter((s) => s.name === name && s.method === "GET");

describe("a server that compresses anyway: the decoded file, under every runtime", () => {
  test("fetchBytes: gzip (Content-Length the encoded size), chunked gzip, deflate, br", async () => {
    for (const name of ["gzip.json", "chunked.json", "deflate.json", "br.json", "noise.bin"]) {
      same(await fetchBytes(`${base}/raw/${name}`, LIMITS), FILES[name].body);
      expect(gets(name).map((s) => [s.acceptEncoding, s.range])).toEqual([["identity", undefined]]);
    }
    expect(ENCODE.gzip(NOISE).length).toBeGreaterThan(NOISE.length); // the encoded body is the longer one
  }, 10_000);

  test("fetchBytes decodes once: a .gz served plain stays the .gz, as does one served gzip-encoded", async () => {
    expect(Array.from(GZ_FILE.subarray(0, 2))).toEqual([0x1f, 0x8b]);
    same(await fetchBytes(`${base}/raw/plain.gz`, LIMITS), GZ_FILE);
    same(await fetchBytes(`${base}/raw/encoded.gz`, LIMITS), GZ_FILE);
  }, 10_000);

  test("a coding no runtime decodes: DownloadError naming it and the URL, not retried", async () => {
    const err = await fetchBytes(`${base}/raw/compress.bin`, LIMITS).then(
      () => new Error("expected a rejection"),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).not.toBeInstanceOf(UnavailableError);
    expect(err.message).toBe(
      `GET ${base}/raw/compress.bin: the server sent Content-Encoding: compress, which this runtime's fetch left ` +
        `encoded and can't decode; URL ${base}/raw/compress.bin`,
    );
    expect(gets("compress.bin")).toHaveLength(1);
  }, 10_000);

  test("hubFetchBytes: sha256 and git-sha1 ETags and the size checked on the decoded bytes", async () => {
    for (const name of ["gzip.json", "chunked.json", "noise.bin", "encoded.gz"]) {
      same(await hubFetchBytes("org/z", name, hub()), FILES[name].body);
    }
  }, 10_000);

  test("hubDownload: the blob is the decoded file (a longer encoded body, a chunked one, a .gz)", async () => {
    for (const name of ["noise.bin", "chunked.json", "encoded.gz"]) {
      const path = await hubDownload("org/z", name, { ...hub(), cacheDir: cache, quiet: true });
      same(new Uint8Array(readFileSync(path)), FILES[name].body);
    }
  }, 10_000);

  test("an encoded body cut short is fetched again without Range (fetchBytes, hubDownload)", async () => {
    same(await fetchBytes(`${base}/raw/cut.bin`, LIMITS), NOISE);
    expect(gets("cut.bin").map((s) => s.range)).toEqual([undefined, undefined]);
    FILES["cut2.bin"] = { ...FILES["cut.bin"] };
    const path = await hubDownload("org/z", "cut2.bin", { ...hub(), cacheDir: cache, quiet: true });
    same(new Uint8Array(readFileSync(path)), NOISE);
    expect(gets("cut2.bin").map((s) => s.range)).toEqual([undefined, undefined]);
    expect(existsSync(`${path}.incomplete`)).toBe(false);
  }, 10_000);

  test("hubDownload resuming a partial file: an encoded 206 is dropped and the file fetched whole", async () => {
    FILES["resume.json"] = { body: JSON_BODY, coding: "gzip" };
    const blobs = join(cache, repoFolderName("org/z"), "blobs");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256Hex(JSON_BODY)}.incomplete`), JSON_BODY.subarray(0, 1000));
    const path = await hubDownload("org/z", "resume.json", { ...hub(), cacheDir: cache, quiet: true });
    same(new Uint8Array(readFileSync(path)), JSON_BODY);
    expect(gets("resume.json").map((s) => s.range)).toEqual(["bytes=1000-", undefined]);
  }, 10_000);
});
