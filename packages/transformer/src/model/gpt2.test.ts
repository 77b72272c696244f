// GPT-2 forward against the PyTorch golden file (scripts/make_fixtures.py): logits and every hook activation,
// the fp16 checkpoint, padding, replacing hooks (checked against CPU math) and the unknown-hook error.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HubCacheRepo } from "@sae/hub/node";
import { Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose, randn } from "@sae/tensor-core/testing";
import { UnknownHookError } from "./hooks.ts";
import { loadGpt2, loadGpt2FromHub } from "./load.ts";
import { NO_PROCESSING } from "./process.ts";
import { fixture, lnUnembed, loadGolden, rows } from "./test_fixtures.ts";

// Tolerances: the golden file is float64 math rounded to f32; our f32 kernels accumulate over d_model 48 / d_mlp 192
// and two layers, with |logits| up to 12. 1e-4 absolute + 1e-4 relative holds with margin (observed max ~1e-5).
const ATOL = 1e-4;
const RTOL = 1e-4;

describe("gpt2 golden fixture", () => {
  const golden = loadGolden();
  const raw = () => loadGpt2(fixture("gpt2-tiny"), NO_PROCESSING);

  test("logits and every hook activation match PyTorch (padded batch of 2)", async () => {
    const model = await raw();
    const names = model.hookNames();
    expect(names.length).toBe(2 + 2 * 17 + 2);
    const { logits, cache, blocksRun } = await model.runWithCache(golden.batch, { names });
    // hook_scale and hook_attn_scores are newer than this golden file; the shared family suite checks them (families.test.ts)
    const newer = (n: string) => n.endsWith(".hook_scale") || n.endsWith(".hook_attn_scores");
    expect(blocksRun).toBe(2);
    assertClose("logits (runWithCache)", await logits!.read(), golden.get("logits"), RTOL, ATOL);
    for (const name of names.filter((n) => !newer(n))) {
      expect(cache[name].shape).toEqual(golden.shape(name));
      assertClose(name, await cache[name].read(), golden.get(name), RTOL, ATOL);
    }
    // resid_post of block L and resid_pre of block L + 1 are one tensor; disposing twice is harmless.
    expect(cache["blocks.0.hook_resid_post"]).toBe(cache["blocks.1.hook_resid_pre"]);
    for (const t of Object.values(cache)) t.dispose();
    const out = await model.forward(golden.batch);
    expect(out.shape).toEqual([2, 9, 101]);
    assertClose("logits", await out.read(), golden.get("logits"), RTOL, ATOL);
    model.dispose();
  });

  test("fp16 checkpoint with the transformer. prefix loads and matches fp16-rounded weights", async () => {
    const header = loadSafetensorsFile(fixture("gpt2-tiny-fp16/model.safetensors"));
    expect(header.tensors.get("transformer.wte.weight")!.dtype).toBe("F16");
    const model = await loadGpt2(fixture("gpt2-tiny-fp16"), NO_PROCESSING);
    const got = await (await model.forward(golden.batch)).read();
    assertClose("logits vs fp16 golden", got, golden.get("logits_fp16"), RTOL, ATOL);
    // fp16 weights (11-bit mantissa) move logits of size ~10 by up to ~2e-2 from the fp32 model.
    assertClose("logits vs fp32 golden", got, golden.get("logits"), 0, 5e-2);
    model.dispose();
  });

  test("padding: a padded row equals the same tokens run alone", async () => {
    const model = await raw();
    const { ids, pos } = golden.batch;
    const alone = Array.from(ids.slice(pos, pos + 5)); // row 1 has 5 real tokens, then 4 masked pads
    const a = await (await model.forward(alone)).read();
    const b = await (await model.forward(golden.batch)).read();
    assertClose("row 1 alone vs in padded batch", a, rows(b, pos, 101, 1, 0, 5), RTOL, ATOL);
    model.dispose();
  });

  test("a replacing hook on the last resid_post changes the logits to ln_final + unembed of the replacement (CPU)", async () => {
    const model = await raw();
    const shape = golden.shape("blocks.1.hook_resid_post");
    const replacement = randn(shape.reduce((a, b) => a * b, 1), 7, 2);
    let seen: Float32Array | null = null;
    const logits = await model.runWithHooks(golden.batch, {
      "blocks.0.hook_attn_out": () => undefined, // a hook that returns nothing leaves the activation alone
      "blocks.1.hook_resid_post": async (act, ctx) => {
        expect(ctx).toEqual({ name: "blocks.1.hook_resid_post", layer: 1, posOffset: 0 });
        seen = (await act.read()) as Float32Array;
        return Tensor.from(model.device, act.shape, replacement, "replacement");
      },
    });
    assertClose("hook saw the original activation", seen!, golden.get("blocks.1.hook_resid_post"), RTOL, ATOL);
    const { tensors } = loadSafetensorsFile(fixture("gpt2-tiny/model.safetensors"));
    const want = lnUnembed({ shape, dtype: "f32", data: replacement }, tensors.get("ln_f.weight")!.data, tensors.get("ln_f.bias")!.data, tensors.get("wte.weight")!.data, 101, 1e-5);
    assertClose("logits after replacement", await logits.read(), want, RTOL, ATOL);
    model.dispose();
  });

  test("loadGpt2FromHub reads config.json + model.safetensors through the hub cache (offline)", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const repo = new HubCacheRepo(cacheDir, "tester/gpt2-tiny");
    const commit = "0123456789abcdef0123456789abcdef01234567";
    repo.writeRef("main", commit);
    for (const f of ["config.json", "model.safetensors"]) {
      mkdirSync(dirname(repo.snapshotPath(commit, f)), { recursive: true });
      copyFileSync(fixture(`gpt2-tiny/${f}`), repo.snapshotPath(commit, f));
    }
    const model = await loadGpt2FromHub("tester/gpt2-tiny", { ...NO_PROCESSING, tokenizer: null, hub: { cacheDir, offline: true } });
    assertClose("logits via hub", await (await model.forward(golden.batch)).read(), golden.get("logits"), RTOL, ATOL);
    model.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test("unknown hook names throw UnknownHookError listing the valid names", async () => {
    const model = await raw();
    const bad = model.runWithHooks(golden.batch, { "blocks.0.attn.hook_nope": () => undefined });
    await expect(bad).rejects.toBeInstanceOf(UnknownHookError);
    await expect(bad).rejects.toThrow(/blocks\.0\.attn\.hook_pattern/);
    await expect(model.runWithCache(golden.batch, { names: ["blocks.2.hook_resid_pre"] })).rejects.toBeInstanceOf(UnknownHookError);
    model.dispose();
  });
});
