// --dtype through the real CLI entry on the bundled model: `sae inspect --dtype f16` holds the weights in f16 and
// gives f32's top features; a bad value is a usage error; `sae train --dtype f16` trains on the f16 model and its
// cfg.json keeps the dtype in model_from_pretrained_kwargs (as TransformerLens spells it), which `sae eval` then
// loads the model with unless --dtype says otherwise.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { getDevice } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
import type { CliIO } from "../command.ts";
import { main } from "../main.ts";
import { saveSae } from "@sae/core/node";

const dir = mkdtempSync(join(tmpdir(), "sae-cli-dtype-"));
const saeDir = join(dir, "sae");

function io(): CliIO & { text: () => string; errText: () => string } {
  let [out, err] = ["", ""];
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    progress: { write: () => true },
    onInterrupt: () => () => {},
    text: () => out,
    errText: () => err,
  };
}

beforeAll(async () => {
  const model = await loadBundled();
  const D = model.cfg.dModel;
  model.dispose();
  const fields = { d_in: D, d_sae: 2 * D, architecture: "standard", hook_name: "blocks.1.hook_resid_post" } as const;
  const sae = Sae.create(await getDevice(), { ...fields, model_name: "tiny-shakespeare" }, 7);
  await saveSae(sae, saeDir);
  sae.dispose();
});

type Feature = { index: number; value: number };

describe("--dtype", () => {
  test("sae inspect --dtype f16: weights in f16, the same top features as f32", async () => {
    const text = "To be, or not to be, that is the question";
    const run = async (dtype: string) => {
      const o = io();
      expect(await main(["inspect", text, "--sae", saeDir, "--top", "5", "--json", "--dtype", dtype], o)).toBe(0);
      return { r: JSON.parse(o.text()) as { tokens: string[]; features: Feature[][] }, err: o.errText() };
    };
    const [f32, f16] = [await run("f32"), await run("f16")];
    expect(f32.err).toMatch(/on the device \(f32\)/);
    expect(f16.err).toMatch(/on the device \(f16\)/);
    const bytes = (s: string) => Number(/weights ([\d.]+) MB/.exec(s)![1]);
    expect(bytes(f16.err) / bytes(f32.err)).toBeLessThan(0.6); // the matrices (most of the bytes) halve
    expect(f16.r.tokens).toEqual(f32.r.tokens);
    expect(f32.r.features.flat().length).toBe(5 * f32.r.tokens.length);
    f32.r.features.forEach((want, p) => {
      const got = f16.r.features[p];
      expect(got.map((f) => f.index)).toEqual(want.map((f) => f.index));
      got.forEach((f, i) => {
        expect(Math.abs(f.value - want[i].value)).toBeLessThan(2e-2 * Math.abs(want[i].value) + 1e-3);
      });
    });
  });

  test("a dtype that is not f32, f16 or bf16 is a usage error naming the flag", async () => {
    const o = io();
    expect(await main(["inspect", "hi", "--sae", saeDir, "--dtype", "f64"], o)).toBe(2);
    const msg = 'sae inspect: --dtype: expected f32, f16 or bf16 (or float32, float16, bfloat16), got "f64"';
    expect(o.errText()).toContain(msg);
  });

  test("sae train --dtype f16: the model in f16, cfg.json keeps dtype float16, sae eval reuses it", async () => {
    const args = [
      "train",
      "--dtype",
      "f16",
      ...["--hook-name", "blocks.0.hook_resid_post", "--context-size", "16", "--store-batch-size-prompts", "4"],
      ...["--n-batches-in-buffer", "4", "--train-batch-size-tokens", "64", "--training-tokens", "256"],
      ...["--expansion-factor", "2", "--k", "8", "--eval-holdout-prompts", "4", "--n-eval-batches", "1"],
      ...["--checkpoint-path", join(dir, "runs"), "--run-name", "f16"],
    ];
    const t = io();
    expect(await main(args, t)).toBe(0);
    expect(t.errText()).toMatch(/model tiny-shakespeare: weights [\d.]+ MB on the device \(f16\)/);
    const ckpt = join(dir, "runs", "f16", "final_256");
    const cfg = JSON.parse(readFileSync(join(ckpt, "cfg.json"), "utf8"));
    expect(cfg.model_from_pretrained_kwargs).toEqual({ center_writing_weights: false, dtype: "float16" });
    const evalArgs = ["eval", ckpt, "--prompts", "2", "--batch-prompts", "2", "--context-size", "16", "--json"];
    const [e16, e32] = [io(), io()];
    expect(await main(evalArgs, e16)).toBe(0);
    expect(e16.errText()).toMatch(/on the device \(f16\)/);
    expect(await main([...evalArgs, "--dtype", "f32"], e32)).toBe(0);
    expect(e32.errText()).toMatch(/on the device \(f32\)/);
  });
});
