// hubFetchBytes with each cache (memory, a folder; Cache Storage exists only in browsers: test/browser checks it
// there, here only its constructor's typed error): a commit-pinned file is fetched once and then
// answered from the cache with no request; a branch is fetched every time; an unreachable hub (5xx or network error)
// falls back to the cached copy with a warning, a 404 does not; offline reads only the cache; the token is sent.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError, UnavailableError } from "./errors.ts";
import { CacheStorageHubCache, hubFetchBytes, MemoryHubCache, type HubCache } from "./hub-bytes.ts";
import { FileHubCache } from "./hub-bytes-fs.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const BODY = new Uint8Array([1, 2, 3, 250]);

function fakeHub(mode: { down?: boolean; status?: number } = {}) {
  const seen: { url: string; auth: string | null }[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    seen.push({ url, auth: new Headers(init?.headers).get("authorization") });
    if (mode.down) throw new TypeError("connection refused");
    if (mode.status) return new Response("x", { status: mode.status });
    return new Response(BODY);
  };
  return { seen, fetch };
}

const opts = { endpoint: "http://hub.test", token: false as const, onWarning: () => {} };

for (const [name, make] of [
  ["memory", () => new MemoryHubCache()],
  ["folder", () => new FileHubCache(mkdtempSync(join(tmpdir(), "sae-hubbytes-")))],
] as [string, () => HubCache][]) {
  describe(`hubFetchBytes with a ${name} cache`, () => {
    test("a commit-pinned file: one request, then the cache answers", async () => {
      const cache = make();
      const hub = fakeHub();
      const o = { ...opts, cache, fetch: hub.fetch, revision: COMMIT };
      expect(Array.from(await hubFetchBytes("org/sae", "cfg.json", o))).toEqual(Array.from(BODY));
      expect(Array.from(await hubFetchBytes("org/sae", "cfg.json", o))).toEqual(Array.from(BODY));
      expect(hub.seen.map((s) => s.url)).toEqual([`http://hub.test/org/sae/resolve/${COMMIT}/cfg.json`]);
      if (cache instanceof FileHubCache) {
        expect(readdirSync(cache.dir)).toHaveLength(1);
        rmSync(cache.dir, { recursive: true });
      }
    });

    test("a branch: fetched each time; an unreachable hub falls back to the cached copy with a warning", async () => {
      const cache = make();
      const hub = fakeHub();
      await hubFetchBytes("org/sae", "w.safetensors", { ...opts, cache, fetch: hub.fetch });
      await hubFetchBytes("org/sae", "w.safetensors", { ...opts, cache, fetch: hub.fetch });
      expect(hub.seen).toHaveLength(2);
      const warnings: string[] = [];
      for (const mode of [{ down: true }, { status: 503 }]) {
        const o = { ...opts, cache, fetch: fakeHub(mode).fetch, onWarning: (l: string) => warnings.push(l) };
        expect(Array.from(await hubFetchBytes("org/sae", "w.safetensors", o))).toEqual(Array.from(BODY));
      }
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain("http://hub.test/org/sae/resolve/main/w.safetensors: request failed");
      const o404 = { ...opts, cache, fetch: fakeHub({ status: 404 }).fetch };
      const e404 = await hubFetchBytes("org/sae", "w.safetensors", o404).catch((e) => e);
      expect(e404).toBeInstanceOf(DownloadError);
      expect(e404).not.toBeInstanceOf(UnavailableError);
      const o = { ...opts, cache, offline: true, fetch: fakeHub({ down: true }).fetch };
      expect(Array.from(await hubFetchBytes("org/sae", "w.safetensors", o))).toEqual(Array.from(BODY));
      const missing = await hubFetchBytes("org/sae", "other.json", o).catch((e) => e);
      expect(missing).toBeInstanceOf(DownloadError);
      expect(missing.message).toContain("offline and http://hub.test/org/sae/resolve/main/other.json is not in");
      if (cache instanceof FileHubCache) rmSync(cache.dir, { recursive: true });
    });
  });
}

test("no cache: an unreachable hub is an UnavailableError; a token is sent as a bearer token", async () => {
  const oDown = { ...opts, fetch: fakeHub({ down: true }).fetch };
  const down = await hubFetchBytes("org/sae", "a.json", oDown).catch((e) => e);
  expect(down).toBeInstanceOf(UnavailableError);
  const hub = fakeHub();
  await hubFetchBytes("org/sae", "a.json", { ...opts, token: "t0k", fetch: hub.fetch, repoType: "dataset" });
  expect(hub.seen).toEqual([{ url: "http://hub.test/datasets/org/sae/resolve/main/a.json", auth: "Bearer t0k" }]);
});

test("CacheStorageHubCache needs globalThis.caches (browsers: test/browser): a typed error under Bun", () => {
  expect(() => new CacheStorageHubCache()).toThrow(UnavailableError);
});
