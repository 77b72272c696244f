// POST /api/steer (Neuronpedia's body) through app.request(): STEERED and DEFAULT equal the fake model's own
// generation with strength x strength_multiplier added at the hook; freq_penalty against a greedy loop written here
// from the fake's logits; every field's bad value is a 400 naming it; auth and the body limit cover /api too.
import { describe, expect, test } from "bun:test";
import { type SampleOptions } from "@sae/core";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { createApp } from "./app.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 61 });
const sae = new FakeSae(device, { seed: 62, d_sae: 16, neuronpedia_id: "gpt2-small/8-res-jb" });
const app = createApp({ model, sae });
const post = (a: typeof app, body: unknown, headers: Record<string, string> = {}) =>
  a.request("/api/steer", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
const feature = (index: number, strength: number, layer = "8-res-jb") => ({ modelId: "gpt2-small", layer, index, strength });
const body = {
  prompt: "the cat",
  modelId: "gpt2-small",
  features: [feature(3, 2), feature(9, -1.5)],
  temperature: 0.9,
  n_tokens: 6,
  freq_penalty: 0,
  seed: 4,
  strength_multiplier: 3,
};

async function withOffset<T>(features: { index: number; strength: number }[], run: () => Promise<T>): Promise<T> {
  const vec = new Float32Array(6);
  for (const f of features) for (let d = 0; d < 6; d++) vec[d] += f.strength * sae.W_dec_host[f.index * 6 + d];
  model.offset = vec;
  try {
    return await run();
  } finally {
    model.offset = null;
  }
}

async function error(res: Response, status: number): Promise<{ message: string; field?: string }> {
  expect(res.status).toBe(status);
  return ((await res.json()) as { error: { message: string; field?: string } }).error;
}

describe("POST /api/steer (Neuronpedia)", () => {
  test("STEERED/DEFAULT: prompt + completion, strengths times strength_multiplier, same seed", async () => {
    const res = await post(app, body);
    expect(res.status).toBe(200);
    const r = (await res.json()) as { STEERED: string; DEFAULT: string; features: unknown };
    const opts: SampleOptions = { maxNewTokens: 6, temperature: 0.9, seed: 4, freqPenalty: 0 };
    expect(r.DEFAULT).toBe(`the cat${await model.generate("the cat", opts)}`);
    const scaled = [{ index: 3, strength: 6 }, { index: 9, strength: -4.5 }];
    expect(r.features).toEqual(scaled);
    expect(r.STEERED).toBe(`the cat${await withOffset(scaled, () => model.generate("the cat", opts))}`);
    expect(r.STEERED).not.toBe(r.DEFAULT);
    // the SAE's hook name serves as a layer too; optional fields take the /v1/steer defaults
    const lean = await post(app, { prompt: "the cat", modelId: model.name, features: [feature(3, 2, sae.cfg.hook_name)] });
    expect(lean.status).toBe(200);
  });

  test("freq_penalty: greedy DEFAULT equals argmax(logits - penalty * count) computed here", async () => {
    const res = await post(app, { ...body, temperature: 0, freq_penalty: 2, n_tokens: 8 });
    const r = (await res.json()) as { DEFAULT: string };
    const seq = model.toIds("the cat");
    const V = model.vocabSize;
    for (let t = 0; t < 8; t++) {
      const logits = await model.logits([seq]);
      const row = (await logits.read()).slice((seq.length - 1) * V, seq.length * V) as Float32Array;
      logits.dispose();
      for (const id of seq) row[id] -= 2;
      let best = 0;
      for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
      seq.push(best);
    }
    const want = model.idsToStrings(seq.slice(model.toIds("the cat").length)).join("");
    expect(r.DEFAULT).toBe(`the cat${want}`);
    const plain = (await (await post(app, { ...body, temperature: 0, n_tokens: 8 })).json()) as { DEFAULT: string };
    expect(plain.DEFAULT).not.toBe(r.DEFAULT);
  });

  test("bad values are 400s naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ ...body, modelId: "gemma-2b" }, "modelId"],
      [{ ...body, features: [{ ...feature(1, 1), modelId: "gemma-2b" }] }, "features[0].modelId"],
      [{ ...body, features: [feature(1, 1, "9-res-jb")] }, "features[0].layer"],
      [{ ...body, features: [feature(16, 1)] }, "features[0].index"],
      [{ ...body, features: [feature(1, 400)] }, "features[0].strength"], // 400 x 3 > maxStrength 1000
      [{ ...body, features: [] }, "features"],
      [{ ...body, n_tokens: 65 }, "n_tokens"],
      [{ ...body, freq_penalty: 3 }, "freq_penalty"],
      [{ ...body, temperature: -1 }, "temperature"],
      [{ ...body, seed: 1.5 }, "seed"],
      [{ ...body, steer_method: "ORTHOGONAL_DECOMP" }, "steer_method"],
      [{ ...body, extra: 1 }, "extra"],
      [{ ...body, prompt: "  " }, "prompt"],
    ];
    for (const [b, field] of cases) expect((await error(await post(app, b), 400)).field).toBe(field);
    expect((await error(await post(app, { ...body, features: [feature(1, 400)] }), 400)).message).toContain("1200");
  });

  test("/api is guarded like /v1: bearer token, body limit, cross-site Origin", async () => {
    const secured = createApp({ model, sae, token: "s3cret" });
    await error(await post(secured, body), 401);
    expect((await post(secured, body, { Authorization: "Bearer s3cret" })).status).toBe(200);
    expect((await error(await post(app, { ...body, prompt: "x".repeat(20_000) }), 413)).field).toBe("body");
    expect((await error(await post(app, body, { Origin: "https://evil.example" }), 403)).field).toBe("Origin");
  });
});
