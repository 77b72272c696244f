// loadModel beyond the shared family suite: a sharded checkpoint (model.safetensors.index.json) with BF16 and F16
// shards equals the same rounded weights loaded in memory; per-family hook names and the unknown-hook error; the
// unembedding accessor; processing skips what TransformerLens skips; typed errors for unsupported checkpoints.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bf16BitsToNumber, f16BitsToNumber, FormatError, numberToBf16Bits, numberToF16Bits } from "@sae/tensor-core";
import { loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { UnknownHookError } from "./hooks.ts";
import { loadGpt2 } from "./load.ts";
import { loadModel } from "./load_model.ts";
import { NO_PROCESSING, TRANSFORMER_LENS_DEFAULTS } from "./process.ts";
import { hfFixture } from "./test_fixtures.ts";

const IDS = [[5, 17, 3, 60, 22, 9, 41, 8, 77, 12]];
const tmp = () => mkdtempSync(join(tmpdir(), "sae-models-"));

describe("loadModel", () => {
  test("sharded BF16 + F16 checkpoint equals the rounded weights loaded in memory", async () => {
    const dir = tmp();
    const src = hfFixture("llama");
    copyFileSync(join(src, "config.json"), join(dir, "config.json"));
    const { tensors } = loadSafetensorsFile(join(src, "model.safetensors"));
    const names = [...tensors.keys()].sort();
    const shards = [names.slice(0, names.length / 2), names.slice(names.length / 2)];
    const kinds = [
      { dtype: "BF16" as const, round: (x: number) => bf16BitsToNumber(numberToBf16Bits(x)) },
      { dtype: "F16" as const, round: (x: number) => f16BitsToNumber(numberToF16Bits(x)) },
    ];
    const weightMap: Record<string, string> = {};
    const rounded = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    shards.forEach((shard, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      const out: Record<string, { shape: readonly number[]; data: Float32Array; dtype: "BF16" | "F16" }> = {};
      for (const n of shard) {
        const t = tensors.get(n)!;
        out[n] = { shape: t.shape, data: t.data as Float32Array, dtype: kinds[i].dtype };
        rounded.set(n, { shape: t.shape, data: Float32Array.from(t.data as Float32Array, kinds[i].round) });
        weightMap[n] = file;
      }
      saveSafetensorsFile(join(dir, file), out);
    });
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const fromFiles = await loadModel(dir, { processing: NO_PROCESSING });
    const config = JSON.parse(readFileSync(join(src, "config.json"), "utf8"));
    const inMemory = await loadModel({ config, tensors: rounded }, { processing: NO_PROCESSING });
    const a = await (await fromFiles.forward(IDS)).read();
    assertClose("sharded vs in-memory rounded weights", a, await (await inMemory.forward(IDS)).read(), 0, 1e-6);
    // and the rounding mattered: the f32 model differs
    const f32 = await loadModel(src, { processing: NO_PROCESSING });
    const c = await (await f32.forward(IDS)).read();
    expect(Math.max(...a.map((x, i) => Math.abs(x - c[i])))).toBeGreaterThan(1e-4);
    for (const m of [fromFiles, inMemory, f32]) m.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("hook names follow the architecture; names a family lacks throw UnknownHookError", async () => {
    const expectations: Record<string, { has: string[]; lacks: string[] }> = {
      gpt2: {
        has: ["hook_pos_embed", "blocks.0.hook_resid_mid"],
        lacks: ["blocks.0.attn.hook_rot_q", "blocks.0.mlp.hook_pre_linear"],
      },
      gpt_neox: { has: ["blocks.1.attn.hook_rot_k"], lacks: ["hook_pos_embed", "blocks.0.hook_resid_mid"] },
      llama: {
        has: ["blocks.0.attn.hook_rot_q", "blocks.1.mlp.hook_pre_linear", "ln_final.hook_scale"],
        lacks: ["hook_pos_embed", "blocks.0.ln1_post.hook_scale"],
      },
      gemma2: { has: ["blocks.0.ln1_post.hook_normalized", "blocks.1.ln2_post.hook_scale"], lacks: ["hook_pos_embed"] },
    };
    for (const [family, e] of Object.entries(expectations)) {
      const model = await loadModel(hfFixture(family), { processing: NO_PROCESSING });
      const names = model.hookNames();
      for (const n of e.has) expect(names).toContain(n);
      for (const n of e.lacks) {
        expect(names).not.toContain(n);
        await expect(model.runWithCache(IDS, { names: [n] })).rejects.toBeInstanceOf(UnknownHookError);
      }
      // every listed name can be cached, with the documented shapes
      const { cache } = await model.runWithCache(IDS, { names, logits: true });
      const { nHeads, nKvHeads, dHead, dModel } = model.cfg;
      expect(cache["blocks.0.attn.hook_q"].shape).toEqual([1, 10, nHeads, dHead]);
      expect(cache["blocks.0.attn.hook_k"].shape).toEqual([1, 10, nKvHeads, dHead]);
      expect(cache["blocks.0.ln1.hook_scale"].shape).toEqual([1, 10, 1]);
      expect(cache["blocks.1.hook_resid_post"].shape).toEqual([1, 10, dModel]);
      for (const t of new Set(Object.values(cache))) t.dispose();
      model.dispose();
    }
  });

  test("unembedding(): W_U_T as stored (untied lm_head; tied = the unscaled embedding), b_U zeros", async () => {
    const llama = await loadModel(hfFixture("llama"), { processing: NO_PROCESSING });
    const lt = loadSafetensorsFile(join(hfFixture("llama"), "model.safetensors")).tensors;
    const u = llama.unembedding();
    expect(u.W_U_T.shape).toEqual([96, 32]);
    assertClose("llama W_U_T = lm_head.weight", await u.W_U_T.read(), lt.get("lm_head.weight")!.data, 0, 0);
    assertClose("b_U", await u.b_U.read(), new Float32Array(96), 0, 0);
    llama.dispose();
    const gemma = await loadModel(hfFixture("gemma2"), { processing: NO_PROCESSING });
    const gt = loadSafetensorsFile(join(hfFixture("gemma2"), "model.safetensors")).tensors;
    expect(gemma.unembedding().softcap).toBe(3);
    const embed = gt.get("model.embed_tokens.weight")!.data;
    assertClose("gemma2 W_U_T = embed_tokens (unscaled)", await gemma.unembedding().W_U_T.read(), embed, 0, 0);
    gemma.dispose();
  });

  test("processing skips what TransformerLens skips: no centring for RMSNorm or under a final soft cap", async () => {
    // Gemma 2: RMSNorm (nothing centred) and a final soft cap (no centred unembedding): processed logits = raw ones.
    const raw = await loadModel(hfFixture("gemma2"), { processing: NO_PROCESSING });
    const processed = await loadModel(hfFixture("gemma2"), { processing: TRANSFORMER_LENS_DEFAULTS });
    const a = await (await raw.forward(IDS)).read();
    assertClose("gemma2 processed logits = raw logits", await (await processed.forward(IDS)).read(), a, 3e-4, 3e-4);
    // folded norms: ln1 weights became ones, so hook_normalized is the plain RMS normalisation
    const names = ["blocks.0.hook_resid_pre", "blocks.0.ln1.hook_normalized", "blocks.0.ln1.hook_scale"];
    const { cache } = await processed.runWithCache(IDS, { names });
    const x = await cache["blocks.0.hook_resid_pre"].read();
    const s = await cache["blocks.0.ln1.hook_scale"].read();
    const rmsPre = x.map((v, i) => v / s[Math.floor(i / 32)]);
    assertClose("RMSPre", await cache["blocks.0.ln1.hook_normalized"].read(), rmsPre, 1e-5, 1e-5);
    for (const m of [raw, processed]) m.dispose();
  });

  test("eos_token_id (a list's first entry) ends generation with stopAtEos", async () => {
    // the llama fixture greedily continues row 0 with 12, 62, 65, 61, ... (families.test.ts checks that against HF)
    const dir = hfFixture("llama");
    const config = { ...JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), eos_token_id: [65, 3] };
    const { tensors } = loadSafetensorsFile(join(dir, "model.safetensors"));
    const model = await loadModel({ config, tensors }, { processing: NO_PROCESSING });
    expect(model.cfg.eosTokenId).toBe(65);
    const prompt = [61, 18, 42, 72, 78, 14, 3, 31, 35, 67, 81, 24]; // golden row 0
    const full = await model.generate(prompt, { maxNewTokens: 5, temperature: 0 });
    const stopped = await model.generate(prompt, { maxNewTokens: 5, temperature: 0, stopAtEos: true });
    expect(stopped.newTokens).toEqual(full.newTokens.slice(0, full.newTokens.indexOf(65) + 1));
    expect(stopped.newTokens.length).toBeLessThan(5);
    model.dispose();
  });

  test("typed errors: unsupported model_type, missing weights, loadGpt2 on another family", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "mamba" }));
    await expect(loadModel(dir)).rejects.toThrow(/model_type "mamba" is not supported \(supported: gpt2, gpt_neo/);
    writeFileSync(join(dir, "config.json"), readFileSync(join(hfFixture("qwen2"), "config.json"), "utf8"));
    await expect(loadModel(dir)).rejects.toThrow(/no model.safetensors or model.safetensors.index.json/);
    const index = { weight_map: { "model.norm.weight": "a.safetensors" } };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
    saveSafetensorsFile(join(dir, "a.safetensors"), { other: { shape: [1], data: new Float32Array(1) } });
    await expect(loadModel(dir)).rejects.toThrow(/tensor "model.norm.weight" is not in its shard a.safetensors/);
    await expect(loadGpt2(hfFixture("llama"))).rejects.toBeInstanceOf(FormatError);
    rmSync(dir, { recursive: true, force: true });
  });
});
