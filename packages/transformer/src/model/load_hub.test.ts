// loadModelFromHub (@sae/transformer: a repo's files as bytes through hubFetchBytes, no file system) against loadModel
// by repo id (@sae/transformer/node: hubDownload into a cache folder, read from disk), on one loopback hub the test
// starts (the hub's /{repo}/resolve/{revision}/{file} layout, ETag = sha256 of the body, X-Repo-Commit). Families:
// GPT-2 (by its TransformerLens alias), Llama (weights in two shards + index, tokenizer.json) and Qwen 2
// (tokenizer.json): both paths give the same logits bit for bit, equal to Hugging Face's (golden.safetensors,
// NO_PROCESSING), and tokenizers that encode alike. A MemoryHubCache answers a pinned revision with no request; a
// repo without weights is a NotFoundError naming the file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHubCache, NotFoundError } from "@sae/hub";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { writeSafetensors } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { HfTokenizer } from "../tokenizer/hf_tokenizer.ts";
import { loadModelFromHub } from "./load_hub.ts";
import { loadModel } from "./load_model.ts";
import { NO_PROCESSING } from "./process.ts";
import { fixture, hfFixture } from "./test_fixtures.ts";

const COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
const hub = fakeHub(COMMIT);
let server: Loopback;
let endpoint = "";

const put = hub.put;
const read = (p: string) => new Uint8Array(readFileSync(p));

/** model.safetensors split into two shards + the index, as sharded checkpoints ship. */
function putSharded(repo: string, dir: string): void {
  const { tensors } = loadSafetensorsFile(join(dir, "model.safetensors"));
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => (weightMap[n] = `model-0000${i % 2 ? 2 : 1}-of-00002.safetensors`));
  for (const shard of new Set(Object.values(weightMap))) {
    const part = new Map(names.filter((n) => weightMap[n] === shard).map((n) => [n, tensors.get(n)!]));
    put(repo, shard, writeSafetensors(part as Parameters<typeof writeSafetensors>[0]));
  }
  put(repo, "model.safetensors.index.json", new TextEncoder().encode(JSON.stringify({ weight_map: weightMap })));
}

const CASES = [
  { name: "gpt2", id: "gpt2-small", repo: "gpt2" },
  { name: "llama", id: "tiny/llama", repo: "tiny/llama" },
  { name: "qwen2", id: "tiny/qwen2", repo: "tiny/qwen2" },
];

beforeAll(async () => {
  for (const c of CASES) {
    const dir = hfFixture(c.name);
    put(c.repo, "config.json", read(join(dir, "config.json")));
    if (c.name === "llama") putSharded(c.repo, dir);
    else put(c.repo, "model.safetensors", read(join(dir, "model.safetensors")));
  }
  for (const [repo, kind] of [["tiny/llama", "llama2_sp"], ["tiny/qwen2", "qwen2"]]) {
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) put(repo, f, read(fixture(`tokenizers/${kind}/${f}`)));
  }
  put("tiny/no-weights", "config.json", read(join(hfFixture("gpt2"), "config.json")));
  server = await serveLoopback(hub.handle);
  endpoint = server.url;
});

afterAll(() => server.close());

function golden(name: string) {
  const { tensors } = loadSafetensorsFile(join(hfFixture(name), "golden.safetensors"));
  const ids = Array.from(tensors.get("input_ids")!.data);
  const [batch, pos] = tensors.get("input_ids")!.shape;
  const rows = Array.from({ length: batch }, (_, b) => ids.slice(b * pos, (b + 1) * pos));
  return { rows, logits: tensors.get("logits")!.data as Float32Array };
}

describe("loadModelFromHub (hubFetchBytes) equals loadModel by repo id (hub cache on disk)", () => {
  for (const c of CASES) {
    test(`${c.name} (${c.id})`, async () => {
      const cacheDir = mkdtempSync(join(tmpdir(), "sae-models-"));
      const disk = await loadModel(c.id, {
        hub: { endpoint, cacheDir, quiet: true, token: false },
        processing: NO_PROCESSING,
      });
      const bytes = await loadModelFromHub(c.id, {
        endpoint,
        token: false,
        cache: new MemoryHubCache(),
        processing: NO_PROCESSING,
      });
      expect(bytes.cfg).toEqual(disk.cfg);
      const g = golden(c.name);
      const [lb, ld] = [await bytes.forward(g.rows), await disk.forward(g.rows)];
      const got = (await lb.read()) as Float32Array;
      assertClose(`${c.name} bytes vs disk`, got, (await ld.read()) as Float32Array, 0, 0);
      assertClose(`${c.name} vs Hugging Face`, got, g.logits, 1e-4, 1e-4);
      expect(bytes.tokenizer === null).toBe(disk.tokenizer === null);
      if (bytes.tokenizer) {
        expect(bytes.tokenizer).toBeInstanceOf(HfTokenizer);
        expect(bytes.tokenizer.encode("Hi there")).toEqual(disk.tokenizer!.encode("Hi there"));
      }
      for (const t of [lb, ld]) t.dispose();
      bytes.dispose();
      disk.dispose();
    });
  }
});

describe("loadModelFromHub: cache and errors", () => {
  test("sharded weights: both shards and the index fetched, no model.safetensors body", () => {
    const got = server.requests.filter((r) => r.startsWith("GET /tiny/llama/")).map((r) => r.split("/").pop());
    const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    expect(got).toEqual(expect.arrayContaining([...shards, "model.safetensors.index.json"]));
    expect(got).not.toContain("model.safetensors");
  });

  test("a MemoryHubCache answers a pinned revision with no request; offline reads only the cache", async () => {
    const cache = new MemoryHubCache();
    const o = { endpoint, token: false as const, cache, revision: COMMIT };
    const first = await loadModelFromHub("tiny/qwen2", o);
    const before = server.requests.length;
    const again = await loadModelFromHub("tiny/qwen2", o);
    const offline = await loadModelFromHub("tiny/qwen2", { ...o, offline: true });
    expect(server.requests.length).toBe(before);
    const g = golden("qwen2");
    const want = (await (await first.forward(g.rows)).read()) as Float32Array;
    for (const m of [again, offline]) {
      assertClose("cached", (await (await m.forward(g.rows)).read()) as Float32Array, want, 0, 0);
    }
    for (const m of [first, again, offline]) m.dispose();
  });

  test("no weights: NotFoundError naming the file; no such repo: NotFoundError naming config.json", async () => {
    const err = await loadModelFromHub("tiny/no-weights", { endpoint, token: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain("tiny/no-weights/model.safetensors not found: HTTP 404");
    const none = await loadModelFromHub("tiny/none", { endpoint, token: false }).catch((e: Error) => e);
    expect(none).toBeInstanceOf(NotFoundError);
    expect((none as Error).message).toContain(`tiny/none/config.json at revision 'main' not found: HTTP 404`);
  });
});
