// The bundled tiny Shakespeare model: early-stopping runWithCache, seeded sampling, and the KV cache against a
// full recompute (greedy, with and without a hook).
import { describe, expect, test } from "bun:test";
import { mul, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { loadBundled } from "./load.ts";

describe("bundled model and generate", async () => {
  const model = await loadBundled();
  const prompt = "ROMEO:\nBut soft, what light";

  test("config and tokenizer round trip", () => {
    expect(model.cfg).toMatchObject({ nLayers: 4, dModel: 128, nHeads: 4, dVocab: 2048, nCtx: 256, bosTokenId: 2047 });
    const toks = model.toTokens(prompt);
    expect(toks.ids[0]).toBe(2047);
    expect(model.toString(Array.from(toks.ids))).toBe(prompt);
    expect(model.toStrTokens(prompt).join("")).toBe(`<|endoftext|>${prompt}`);
  });

  test("runWithCache returns blocks.1.hook_resid_pre [1, pos, 128] after one block, equal to a full run's", async () => {
    const pos = model.toTokens(prompt).pos;
    const early = await model.runWithCache(prompt, { names: ["blocks.1.hook_resid_pre"] });
    expect(early.blocksRun).toBe(1);
    expect(early.logits).toBeNull();
    expect(Object.keys(early.cache)).toEqual(["blocks.1.hook_resid_pre"]);
    expect(early.cache["blocks.1.hook_resid_pre"].shape).toEqual([1, pos, 128]);
    const full = await model.runWithCache(prompt, { names: ["blocks.0.hook_resid_post"], logits: true });
    expect(full.blocksRun).toBe(4);
    expect(full.logits!.shape).toEqual([1, pos, 2048]);
    assertClose("resid_pre 1 = resid_post 0", await early.cache["blocks.1.hook_resid_pre"].read(), await full.cache["blocks.0.hook_resid_post"].read(), 0, 0);
    const stopped = await model.runWithCache(prompt, { names: ["blocks.3.hook_resid_post"], stopAtLayer: 2 });
    expect(stopped.blocksRun).toBe(2);
  });

  test("sampling with a fixed seed is deterministic; another seed differs", async () => {
    const opts = { maxNewTokens: 12, temperature: 1, topK: 40, seed: 5 };
    const a = await model.generate(prompt, opts);
    const b = await model.generate(prompt, opts);
    const c = await model.generate(prompt, { ...opts, seed: 6 });
    expect(a.newTokens).toHaveLength(12);
    expect(b.newTokens).toEqual(a.newTokens);
    expect(c.newTokens).not.toEqual(a.newTokens);
    expect(a.text).toBe(model.toString(a.newTokens));
  });

  test("KV-cache generate equals full-recompute generate (greedy), also with a hook", async () => {
    const opts = { maxNewTokens: 16, temperature: 0 };
    const cached = await model.generate(prompt, opts);
    const full = await model.generate(prompt, { ...opts, useCache: false });
    expect(cached.newTokens).toEqual(full.newTokens);
    // A hook that zeroes head 0's output of block 2 (hook_z is [batch, pos, n_heads, d_head]).
    const hooks = {
      "blocks.2.attn.hook_z": (z: Tensor) => {
        const keep = new Float32Array(4 * 32).fill(1).fill(0, 0, 32);
        const m = Tensor.from(z.device, [4, 32], keep, "head mask");
        const out = mul(z, m);
        m.dispose();
        return out;
      },
    };
    const hc = await model.generate(prompt, { ...opts, hooks });
    const hf = await model.generate(prompt, { ...opts, hooks, useCache: false });
    expect(hc.newTokens).toEqual(hf.newTokens);
    expect(hc.newTokens).not.toEqual(cached.newTokens);
  });

  test("freqPenalty: a penalty larger than any logit gap makes greedy generation repeat no token of the sequence", async () => {
    const plain = await model.generate(prompt, { maxNewTokens: 12, temperature: 0 });
    const r = await model.generate(prompt, { maxNewTokens: 12, temperature: 0, freqPenalty: 1e6 });
    const promptIds = r.tokens.slice(0, r.tokens.length - 12);
    expect(new Set(r.newTokens).size).toBe(12);
    for (const t of r.newTokens) expect(promptIds).not.toContain(t);
    expect(new Set(plain.newTokens).size).toBeLessThan(12); // without it the greedy text repeats tokens
  });
});
