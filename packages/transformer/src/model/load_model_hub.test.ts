// loadModel by Hugging Face repo id or TransformerLens alias, against a loopback hub the test starts (the hub's
// /{repo}/resolve/main/{file} layout, ETag = sha256 of the body, X-Repo-Commit). It serves every HF fixture folder
// (fixtures/hf/<name>, one per family and variant) as a repo; llama's weights as two shards with
// model.safetensors.index.json; gemma2 gated (401 without HF_TOKEN); tokenizer.json files beside some. Each model
// loaded through the hub must give Hugging Face's logits (golden.safetensors, NO_PROCESSING).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError } from "@sae/hub";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { FormatError, writeSafetensors } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { HfTokenizer } from "../tokenizer/hf_tokenizer.ts";
import { resolveModelName } from "./aliases.ts";
import { loadModel } from "./load_model.ts";
import { NO_PROCESSING } from "./process.ts";
import { fixture, hfFixture } from "./test_fixtures.ts";

const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const TOKEN = "hf_loopback_gated_ok";
const GATED = "tiny/gemma2";
const fake = fakeHub(COMMIT);
let server: Loopback;
let requests: string[] = [];
let hub: { endpoint: string; cacheDir: string; quiet: boolean; token: string | false };

/** fixture folder -> the repo id it is served as (aliases' targets for three of them). */
const REPOS: Record<string, string> = {
  gpt2: "gpt2",
  gpt_neo: "roneneldan/TinyStories-1Layer-21M",
  gpt_neox: "EleutherAI/pythia-70m-deduped",
};
const repoOf = (name: string) => REPOS[name] ?? `tiny/${name}`;
const NAMES = readdirSync(fixture("hf"));

const put = fake.put;
const read = (p: string) => new Uint8Array(readFileSync(p));

/** model.safetensors split into two shards + the index, as sharded checkpoints ship. */
function putSharded(repo: string, dir: string): void {
  const { tensors } = loadSafetensorsFile(join(dir, "model.safetensors"));
  const names = [...tensors.keys()];
  const half = Math.ceil(names.length / 2);
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => (weightMap[n] = `model-0000${i < half ? 1 : 2}-of-00002.safetensors`));
  for (const shard of new Set(Object.values(weightMap))) {
    const part = new Map(names.filter((n) => weightMap[n] === shard).map((n) => [n, tensors.get(n)!]));
    put(repo, shard, writeSafetensors(part as Parameters<typeof writeSafetensors>[0]));
  }
  const index = { metadata: { total_size: 0 }, weight_map: weightMap };
  put(repo, "model.safetensors.index.json", new TextEncoder().encode(JSON.stringify(index)));
}

beforeAll(async () => {
  for (const name of NAMES) {
    const dir = hfFixture(name);
    put(repoOf(name), "config.json", read(join(dir, "config.json")));
    if (name === "llama") putSharded(repoOf(name), dir);
    else put(repoOf(name), "model.safetensors", read(join(dir, "model.safetensors")));
  }
  for (const [name, kind] of [["llama", "llama2_sp"], ["qwen2", "qwen2"], ["gpt_neox", "gpt2"]]) {
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
      put(repoOf(name), f, read(fixture(`tokenizers/${kind}/${f}`)));
    }
  }
  server = await serveLoopback((req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.startsWith(`/${GATED}/`) && req.headers.get("authorization") !== `Bearer ${TOKEN}`) {
      const msg = "Access to model tiny/gemma2 is restricted. You must have access to it and be authenticated.";
      return new Response(null, { status: 401, headers: { "X-Error-Code": "GatedRepo", "X-Error-Message": msg } });
    }
    return fake.handle(req);
  });
  requests = server.requests;
  const cacheDir = mkdtempSync(join(tmpdir(), "sae-models-"));
  hub = { endpoint: server.url, cacheDir, quiet: true, token: false };
});

afterAll(() => server.close());

function golden(name: string) {
  const { tensors } = loadSafetensorsFile(join(hfFixture(name), "golden.safetensors"));
  const ids = Array.from(tensors.get("input_ids")!.data);
  const [batch, pos] = tensors.get("input_ids")!.shape;
  const rows = Array.from({ length: batch }, (_, b) => ids.slice(b * pos, (b + 1) * pos));
  return { rows, logits: tensors.get("logits")!.data as Float32Array };
}

describe("TransformerLens aliases", () => {
  test("resolve to their repo ids (case-insensitive); other names are repo ids as given", () => {
    expect(resolveModelName("gpt2-small")).toBe("gpt2");
    expect(resolveModelName("tiny-stories-1L-21M")).toBe("roneneldan/TinyStories-1Layer-21M");
    expect(resolveModelName("Pythia-70M-Deduped")).toBe("EleutherAI/pythia-70m-deduped");
    expect(resolveModelName("pythia-19m")).toBe("EleutherAI/pythia-70m");
    expect(resolveModelName("gemma-2-2b")).toBe("google/gemma-2-2b");
    expect(resolveModelName("qwen2.5-0.5b")).toBe("Qwen/Qwen2.5-0.5B");
    expect(resolveModelName("mistral-7b")).toBe("mistralai/Mistral-7B-v0.1");
    expect(resolveModelName("meta-llama/Llama-3.2-1B")).toBe("meta-llama/Llama-3.2-1B");
  });
});

describe("loadModel over a loopback hub", () => {
  for (const name of NAMES.filter((n) => repoOf(n) !== GATED)) {
    test(`${name} by repo id gives Hugging Face's logits`, async () => {
      const model = await loadModel(repoOf(name), { hub, processing: NO_PROCESSING });
      const g = golden(name);
      const logits = await model.forward(g.rows);
      assertClose(`${name} over the hub`, (await logits.read()) as Float32Array, g.logits, 1e-4, 1e-4);
      logits.dispose();
      model.dispose();
    });
  }

  test("aliases load the repos they name", async () => {
    const pairs = [["gpt2-small", "gpt2"], ["tiny-stories-1L-21M", "gpt_neo"], ["pythia-70m-deduped", "gpt_neox"]];
    for (const [alias, name] of pairs) {
      const model = await loadModel(alias, { hub, processing: NO_PROCESSING });
      const config = JSON.parse(readFileSync(join(hfFixture(name), "config.json"), "utf8"));
      expect(model.cfg.family).toBe(config.model_type);
      model.dispose();
    }
  });

  test("a sharded checkpoint is read through its index (both shards fetched, no model.safetensors)", async () => {
    const model = await loadModel("tiny/llama", { hub: { ...hub, cacheDir: mkdtempSync(join(tmpdir(), "sae-m-")) } });
    const got = requests.filter((r) => r.startsWith("GET /tiny/llama/resolve/main/")).map((r) => r.split("/").pop());
    const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    expect(got).toEqual(expect.arrayContaining(shards));
    expect(got).not.toContain("model.safetensors");
    model.dispose();
  });

  test("a gated repo is refused without HF_TOKEN, naming it, and loads with it", async () => {
    const saved = process.env.HF_TOKEN;
    try {
      delete process.env.HF_TOKEN;
      const noToken = { ...hub, token: undefined };
      const err = await loadModel(GATED, { hub: noToken }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownloadError);
      const refused = /tiny\/gemma2\/config.json at revision 'main' refused: HTTP 401 \(GatedRepo.*set HF_TOKEN/;
      expect((err as Error).message).toMatch(refused);
      process.env.HF_TOKEN = TOKEN;
      const model = await loadModel(GATED, { hub: noToken, processing: NO_PROCESSING });
      const g = golden("gemma2");
      const logits = await model.forward(g.rows);
      assertClose("gated gemma2", (await logits.read()) as Float32Array, g.logits, 1e-4, 1e-4);
      logits.dispose();
      model.dispose();
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
    }
  });

  test("offline, a second load reads only the cache", async () => {
    const before = requests.length;
    const model = await loadModel("EleutherAI/pythia-70m-deduped", { hub: { ...hub, offline: true } });
    expect(requests.length).toBe(before);
    expect(model.cfg.family).toBe("gpt_neox");
    model.dispose();
  });

  test("tokenizer.json beside the weights becomes the model's tokenizer; BOS per family", async () => {
    type Cases = { cases: { text: string; ids: number[] }[] };
    const cases = (kind: string) =>
      (JSON.parse(readFileSync(fixture(`tokenizers/${kind}/expected.json`), "utf8")) as Cases).cases;
    const llama = await loadModel("tiny/llama", { hub });
    expect(llama.tokenizer).toBeInstanceOf(HfTokenizer);
    const c = cases("llama2_sp")[1];
    expect(Array.from(llama.toTokens(c.text).ids)).toEqual([llama.cfg.bosTokenId, ...c.ids]); // Llama: BOS first
    expect(Array.from(llama.toTokens(c.text, { prependBos: false }).ids)).toEqual(c.ids);
    // the tokenizer's <s> = 1 (TransformerLens prepends tokenizer.bos_token), not config.json's bos_token_id 95
    expect(llama.cfg.bosTokenId).toBe(1);
    expect(llama.toStrTokens(c.text)[0]).toBe("<s>");
    expect(llama.toStrTokens(c.text).slice(1)).toEqual(c.ids.map((id) => llama.tokenizer!.decode([id])));
    const qwen = await loadModel("tiny/qwen2", { hub });
    const q = cases("qwen2")[1];
    expect(Array.from(qwen.toTokens(q.text).ids)).toEqual(q.ids); // Qwen 2: no BOS by default (TransformerLens)
    expect(qwen.cfg.bosTokenId).toBe(95); // its tokenizer names no BOS: config.json's bos_token_id
    expect(Array.from(qwen.toTokens(q.text, { prependBos: true }).ids)).toEqual([qwen.cfg.bosTokenId, ...q.ids]);
    // generate's text prompt too: "Hi" is two byte tokens (< the fixture's vocab of 96)
    const hi = await qwen.generate("Hi", { maxNewTokens: 1, temperature: 0 });
    expect(qwen.tokenizer!.encode("Hi")).toEqual([39, 72]);
    expect(hi.tokens.slice(0, 2)).toEqual([39, 72]);
    const hiBos = await qwen.generate("Hi", { maxNewTokens: 1, temperature: 0, prependBos: true });
    expect(hiBos.tokens.slice(0, 3)).toEqual([qwen.cfg.bosTokenId, 39, 72]);
    const noTok = await loadModel("tiny/mistral", { hub });
    expect(noTok.tokenizer).toBeNull();
    for (const m of [llama, qwen, noTok]) m.dispose();
  });

  test("a path that is not a folder is a FormatError, not a hub request", async () => {
    const before = requests.length;
    await expect(loadModel("./no/such/model", { hub })).rejects.toThrow(FormatError);
    expect(requests.length).toBe(before);
  });
});
