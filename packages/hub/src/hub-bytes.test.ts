// hubFetchBytes with each cache (memory, a folder; Cache Storage exists only in browsers: test/browser checks it
// there, here only its constructor's typed error), through a fake fetch that answers like the hub (HEAD: ETag =
// git blob SHA-1, X-Repo-Commit, Content-Length): a commit-pinned file is fetched once (HEAD + GET) and then
// answered from the cache with no request; a branch asks the hub (HEAD) each time and GETs again only when the ETag
// changed; an unreachable hub (5xx or network error) falls back to the cached copy with a warning, a 404 does not;
// offline reads only the cache; the token is sent. Timeouts, retries and checksums on a real socket:
// hub-bytes-faults.test.ts.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError, UnavailableError } from "./errors.ts";
import { CacheStorageHubCache, hubFetchBytes, MemoryHubCache, type HubCache } from "./hub-bytes.ts";
import { FileHubCache } from "./hub-bytes-fs.ts";
import { gitBlobSha1 } from "./sha1.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const BODY = new Uint8Array([1, 2, 3, 250]);

function fakeHub(mode: { down?: boolean; status?: number; body?: Uint8Array<ArrayBuffer> } = {}) {
  const seen: { method: string; url: string; auth: string | null }[] = [];
  const body = mode.body ?? BODY;
  const fetch = async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    seen.push({ method, url, auth: new Headers(init?.headers).get("authorization") });
    if (mode.down) throw new TypeError("connection refused");
    if (mode.status) return new Response("x", { status: mode.status });
    const headers = { etag: `"${gitBlobSha1(body)}"`, "x-repo-commit": COMMIT, "content-length": String(body.length) };
    return new Response(method === "HEAD" ? null : body, { headers });
  };
  return { seen, fetch };
}

const opts = { endpoint: "http://hub.test", token: false as const, onWarning: () => {}, backoffMs: 1, retries: 1 };
const calls = (hub: ReturnType<typeof fakeHub>) => hub.seen.map((s) => `${s.method} ${s.url}`);

// Cache Storage where the runtime has it (Deno here; browsers in test/browser), each test with a cache of its own.
const HAS_CACHES = "caches" in globalThis;
let cacheNo = 0;
for (const [name, make] of [
  ["memory", () => new MemoryHubCache()],
  ["folder", () => new FileHubCache(mkdtempSync(join(tmpdir(), "sae-hubbytes-")))],
  ...(HAS_CACHES ? [["Cache Storage", () => new CacheStorageHubCache(`sae-hub-test-${Date.now()}-${cacheNo++}`)]] : []),
] as [string, () => HubCache][]) {
  describe(`hubFetchBytes with a ${name} cache`, () => {
    test("a commit-pinned file: HEAD + GET once, then the cache answers without a request", async () => {
      const cache = make();
      const hub = fakeHub();
      const o = { ...opts, cache, fetch: hub.fetch, revision: COMMIT };
      expect(Array.from(await hubFetchBytes("org/sae", "cfg.json", o))).toEqual(Array.from(BODY));
      expect(Array.from(await hubFetchBytes("org/sae", "cfg.json", o))).toEqual(Array.from(BODY));
      const url = `http://hub.test/org/sae/resolve/${COMMIT}/cfg.json`;
      expect(calls(hub)).toEqual([`HEAD ${url}`, `GET ${url}`]);
      if (cache instanceof FileHubCache) {
        expect(readdirSync(cache.dir)).toHaveLength(1);
        rmSync(cache.dir, { recursive: true });
      }
      if (cache instanceof CacheStorageHubCache) await caches.delete(cache.name);
    });

    test("a branch: HEAD each time, GET only for a new ETag; an unreachable hub falls back to the cache", async () => {
      const cache = make();
      const hub = fakeHub();
      const url = "http://hub.test/org/sae/resolve/main/w.safetensors";
      await hubFetchBytes("org/sae", "w.safetensors", { ...opts, cache, fetch: hub.fetch });
      await hubFetchBytes("org/sae", "w.safetensors", { ...opts, cache, fetch: hub.fetch });
      expect(calls(hub)).toEqual([`HEAD ${url}`, `GET ${url}`, `HEAD ${url}`]); // the cached copy is still current
      const changed = fakeHub({ body: new Uint8Array([9, 8, 7]) });
      const newer = await hubFetchBytes("org/sae", "w.safetensors", { ...opts, cache, fetch: changed.fetch });
      expect(Array.from(newer)).toEqual([9, 8, 7]);
      expect(calls(changed)).toEqual([`HEAD ${url}`, `GET ${url}`]);
      const warnings: string[] = [];
      for (const mode of [{ down: true }, { status: 503 }]) {
        const down = fakeHub(mode);
        const o = { ...opts, cache, fetch: down.fetch, onWarning: (l: string) => warnings.push(l) };
        expect(Array.from(await hubFetchBytes("org/sae", "w.safetensors", o))).toEqual([9, 8, 7]);
        expect(down.seen).toHaveLength(1); // with a cached copy one failed HEAD is enough
      }
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain(`cannot reach ${url} (connection refused); using the cached copy`);
      expect(warnings[1]).toContain(`HTTP 503`);
      const o404 = { ...opts, cache, fetch: fakeHub({ status: 404 }).fetch };
      const e404 = await hubFetchBytes("org/sae", "w.safetensors", o404).catch((e) => e);
      expect(e404).toBeInstanceOf(DownloadError);
      expect(e404).not.toBeInstanceOf(UnavailableError);
      expect(e404.message).toContain(`not found: HTTP 404; URL ${url}`);
      const o = { ...opts, cache, offline: true, fetch: fakeHub({ down: true }).fetch };
      expect(Array.from(await hubFetchBytes("org/sae", "w.safetensors", o))).toEqual([9, 8, 7]);
      const missing = await hubFetchBytes("org/sae", "other.json", o).catch((e) => e);
      expect(missing).toBeInstanceOf(DownloadError);
      expect(missing.message).toContain("offline and http://hub.test/org/sae/resolve/main/other.json is not in");
      if (cache instanceof FileHubCache) rmSync(cache.dir, { recursive: true });
      if (cache instanceof CacheStorageHubCache) await caches.delete(cache.name);
    });
  });
}

test("no cache: an unreachable hub is an UnavailableError after retrying; a token goes to HEAD and GET", async () => {
  const downHub = fakeHub({ down: true });
  const down = await hubFetchBytes("org/sae", "a.json", { ...opts, fetch: downHub.fetch }).catch((e) => e);
  expect(down).toBeInstanceOf(UnavailableError);
  expect(down.message).toContain("cannot reach http://hub.test/org/sae/resolve/main/a.json");
  expect(downHub.seen).toHaveLength(2); // retries: 1
  const hub = fakeHub();
  await hubFetchBytes("org/sae", "a.json", { ...opts, token: "t0k", fetch: hub.fetch, repoType: "dataset" });
  const url = "http://hub.test/datasets/org/sae/resolve/main/a.json";
  expect(hub.seen).toEqual([
    { method: "HEAD", url, auth: "Bearer t0k" },
    { method: "GET", url, auth: "Bearer t0k" },
  ]);
});

test("CacheStorageHubCache needs globalThis.caches (browsers, Deno): a typed error where there is none (Bun)", () => {
  if (HAS_CACHES) expect(new CacheStorageHubCache().name).toBe("sae-hub");
  else expect(() => new CacheStorageHubCache()).toThrow(UnavailableError);
});
