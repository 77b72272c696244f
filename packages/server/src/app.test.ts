// Every route and error path of createApp through app.request() (no network), with the tiny fake model/SAE from
// @sae/core. Values are checked against CPU references computed from the fakes' host weights.
import { describe, expect, test } from "bun:test";
import { collectFeatureData, featureLogitEffects, inMemoryFeatures, sequencesFromText, type SampleOptions } from "@sae/core";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { createApp } from "./app.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 31 });
const sae = new FakeSae(device, { seed: 32, d_sae: 24, neuronpedia_id: "gpt2-small/8-res-jb" });
const corpus = "the cat sat on the mat and the dog ran to a big red house . ".repeat(5);
const data = await collectFeatureData(model, sae, sequencesFromText(model, corpus, 10), { topN: 4, topLogits: 5 });
const features = inMemoryFeatures(data);
const app = createApp({ model, sae, features });

const post = (a: { request: typeof app.request }, path: string, body: unknown, headers: Record<string, string> = {}) =>
  a.request(path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function expectError(res: Response, status: number, field?: string): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { status: number; message: string; field?: string } };
  expect(body.error.status).toBe(status);
  if (field !== undefined) expect(body.error.field).toBe(field);
  return body.error.message;
}

describe("health and page", () => {
  test("GET /health describes the model, SAE, limits and queue", async () => {
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    const h = (await res.json()) as Record<string, any>;
    expect(h.status).toBe("ok");
    expect(h.sae).toEqual({ hook_name: sae.cfg.hook_name, d_in: 6, d_sae: 24, neuronpedia_id: "gpt2-small/8-res-jb" });
    expect(h.feature_data.n_tokens).toBe(data.meta.n_tokens);
    expect(h.queue.waiting).toBe(0);
  });

  test("GET / serves the dashboard and playground page", async () => {
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    for (const s of ["Max-activating examples", "Top promoted tokens", "Activation density", "Steering playground", "/v1/steer"]) expect(html).toContain(s);
  });

  test("unknown routes are JSON 404s", async () => {
    expect(await expectError(await app.request("/v1/nope"), 404)).toContain("/v1/nope");
  });
});

describe("POST /v1/encode", () => {
  test("per-token top features equal a sort of the CPU encoder's activations", async () => {
    const res = await post(app, "/v1/encode", { text: "the dog sat", top: 3 });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { tokens: string[]; ids: number[]; features: { index: number; value: number }[][] };
    expect(r.tokens).toEqual(["<bos>", " the", " dog", " sat"]);
    const f = sae.encodeHost(model.residual([r.ids]));
    r.features.forEach((got, p) => {
      const row = Array.from(f.subarray(p * 24, (p + 1) * 24));
      const want = row.map((v, i) => ({ i, v })).filter((x) => x.v > 0).sort((a, b) => b.v - a.v || a.i - b.i).slice(0, 3);
      expect(got.map((g) => g.index)).toEqual(want.map((w) => w.i));
      got.forEach((g, j) => expect(g.value).toBeCloseTo(want[j].v, 5));
    });
  });

  test("bad bodies are 400s naming the field", async () => {
    await expectError(await post(app, "/v1/encode", { text: "   " }), 400, "text");
    await expectError(await post(app, "/v1/encode", {}), 400, "text");
    await expectError(await post(app, "/v1/encode", { text: 5 }), 400, "text");
    await expectError(await post(app, "/v1/encode", { text: "a", top: 0 }), 400, "top");
    await expectError(await post(app, "/v1/encode", { text: "a", top: 2.5 }), 400, "top");
    await expectError(await post(app, "/v1/encode", { text: "a", extra: 1 }), 400, "extra");
    await expectError(await post(app, "/v1/encode", "{not json"), 400, "body");
    await expectError(await post(app, "/v1/encode", "[1,2]"), 400, "body");
  });
});

describe("POST /v1/steer", () => {
  const opts = (o: Partial<SampleOptions>): SampleOptions => ({ maxNewTokens: 6, temperature: 0.9, seed: 3, ...o });

  test("steered and unsteered completions equal the CPU reference with the same seed", async () => {
    const feats = [{ index: 4, strength: 6 }, { index: 11, strength: -3 }];
    const res = await post(app, "/v1/steer", { prompt: "the cat", features: feats, max_new_tokens: 6, temperature: 0.9, seed: 3 });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { steered: string; unsteered: string; features: unknown; seed: number };
    expect(r.features).toEqual(feats);
    expect(r.unsteered).toBe(await model.generate("the cat", opts({})));
    const vec = new Float32Array(6);
    for (const f of feats) for (let d = 0; d < 6; d++) vec[d] += f.strength * sae.W_dec_host[f.index * 6 + d];
    model.offset = vec;
    const want = await model.generate("the cat", opts({}));
    model.offset = null;
    expect(r.steered).toBe(want);
    expect(r.steered).not.toBe(r.unsteered);
  });

  test("validation: prompt, features, strength, limits, body size", async () => {
    const ok = { prompt: "the", features: [{ index: 1, strength: 2 }] };
    await expectError(await post(app, "/v1/steer", { ...ok, prompt: "" }), 400, "prompt");
    await expectError(await post(app, "/v1/steer", { ...ok, features: [] }), 400, "features");
    await expectError(await post(app, "/v1/steer", { ...ok, features: "x" }), 400, "features");
    expect(await expectError(await post(app, "/v1/steer", { ...ok, features: [{ index: 24, strength: 1 }] }), 400, "features[0].index")).toContain("[0, 24)");
    await expectError(await post(app, "/v1/steer", { ...ok, features: [{ index: -1, strength: 1 }] }), 400, "features[0].index");
    await expectError(await post(app, "/v1/steer", { ...ok, features: [{ index: 1, strength: 1 }, { index: 2, strength: "big" }] }), 400, "features[1].strength");
    await expectError(await post(app, "/v1/steer", { ...ok, features: [{ index: 1 }] }), 400, "features[0].strength");
    await expectError(await post(app, "/v1/steer", { ...ok, features: [{ index: 1, strength: 1, x: 0 }] }), 400, "features[0].x");
    await expectError(await post(app, "/v1/steer", { ...ok, max_new_tokens: 65 }), 400, "max_new_tokens");
    await expectError(await post(app, "/v1/steer", { ...ok, temperature: -1 }), 400, "temperature");
    await expectError(await post(app, "/v1/steer", { ...ok, seed: 1.5 }), 400, "seed");
    await expectError(await post(app, "/v1/steer", { ...ok, prompt: "the ".repeat(600) }), 400, "prompt");
    const big = JSON.stringify({ ...ok, prompt: "x".repeat(20_000) });
    await expectError(await post(app, "/v1/steer", big), 413, "body");
  });
});

describe("GET /v1/features/:index", () => {
  test("stored analysis with token strings, logits and the Neuronpedia link", async () => {
    const i = data.features.reduce((b, f) => (f.nActive > data.features[b].nActive ? f.index : b), 0);
    const res = await app.request(`/v1/features/${i}`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as Record<string, any>;
    expect(r.stored).toBe(true);
    expect(r.index).toBe(i);
    expect(r.density).toBe(data.features[i].density);
    expect(r.neuronpedia).toBe(`https://www.neuronpedia.org/gpt2-small/8-res-jb/${i}`);
    expect(r.top.length).toBeGreaterThan(0);
    for (const e of r.top) expect(e.str_tokens).toEqual(e.tokens.map((t: number) => model.vocab[t]));
    expect(r.logits.promoted.map((t: any) => t.token)).toEqual(data.features[i].logits!.promoted.map((t) => t.token));
    expect(r.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(data.features[i].nActive);
  });

  test("without stored data: logit effects computed on the fly", async () => {
    const bare = createApp({ model, sae });
    const r = (await (await bare.request("/v1/features/7")).json()) as Record<string, any>;
    expect(r.stored).toBe(false);
    const [want] = featureLogitEffects({ shape: [24, 6], dtype: "f32", data: sae.W_dec_host }, { shape: [6, model.vocabSize], dtype: "f32", data: model.W_U }, [7], 10, (ids) => model.idsToStrings(ids));
    expect(r.logits.promoted.map((t: any) => t.token)).toEqual(want.promoted.map((t) => t.token));
    expect(r.logits.suppressed.map((t: any) => t.str)).toEqual(want.suppressed.map((t) => t.str));
  });

  test("bad indices are 400s naming `index`", async () => {
    expect(await expectError(await app.request("/v1/features/24"), 400, "index")).toContain("out of range");
    await expectError(await app.request("/v1/features/abc"), 400, "index");
    await expectError(await app.request("/v1/features/-1"), 400, "index");
  });
});

describe("auth, CORS, queue", () => {
  test("bearer token: 401 without or with a wrong token, 200 with it; /health and / stay open", async () => {
    const a = createApp({ model, sae, features, token: "s3cret" });
    expect(res401(await post(a, "/v1/encode", { text: "the" }))).toBe(true);
    await expectError(await post(a, "/v1/encode", { text: "the" }), 401, "Authorization");
    await expectError(await post(a, "/v1/encode", { text: "the" }, { Authorization: "Bearer nope" }), 401, "Authorization");
    await expectError(await a.request("/v1/features/1", { headers: { Authorization: "Basic s3cret" } }), 401);
    expect((await post(a, "/v1/encode", { text: "the" }, { Authorization: "Bearer s3cret" })).status).toBe(200);
    expect((await a.request("/health")).status).toBe(200);
    expect((await a.request("/")).status).toBe(200);
  });

  test("CORS only when configured, preflight allowed before auth", async () => {
    const a = createApp({ model, sae, cors: "https://example.org", token: "t" });
    const pre = await a.request("/v1/steer", { method: "OPTIONS", headers: { Origin: "https://example.org", "Access-Control-Request-Method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://example.org");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Authorization");
    const got = await a.request("/health", { headers: { Origin: "https://example.org" } });
    expect(got.headers.get("access-control-allow-origin")).toBe("https://example.org");
    const none = await app.request("/health", { headers: { Origin: "https://example.org" } });
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("requests run one at a time in FIFO order; a full queue answers 429", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    const slow = Object.create(model) as FakeModel;
    slow.generate = async (prompt: string, o: SampleOptions) => {
      active++;
      maxActive = Math.max(maxActive, active);
      seen.push(prompt);
      if (seen.length === 1) await gate;
      const out = await model.generate(prompt, o);
      active--;
      return out;
    };
    const a = createApp({ model: slow, sae, limits: { maxQueue: 2 } });
    const prompts = ["the cat", "the dog", "a cat", "a dog", "the mat"];
    const pending = prompts.map((p) => post(a, "/v1/steer", { prompt: p, features: [{ index: 0, strength: 1 }], max_new_tokens: 2 }));
    await new Promise((r) => setTimeout(r, 20));
    release();
    const res = await Promise.all(pending);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(res[3].headers.get("retry-after")).toBe("1");
    expect(await expectError(res[4], 429)).toContain("busy");
    expect(maxActive).toBe(1);
    // Each request generates unsteered then steered: the prompts run in submission order, never interleaved.
    expect(seen).toEqual(["the cat", "the cat", "the dog", "the dog", "a cat", "a cat"]);
  });

  test("unknown limits are rejected", () => {
    expect(() => createApp({ model, sae, limits: { maxQueu: 1 } as never })).toThrow(/maxQueu/);
  });
});

function res401(r: Response): boolean {
  return r.status === 401 && (r.headers.get("www-authenticate") ?? "").startsWith("Bearer");
}
