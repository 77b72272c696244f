// `--model-name <repo id | alias | folder>` through the real CLI entry, with the bundled tiny Shakespeare model
// served as a Hugging Face repo by a loopback hub (HF_ENDPOINT / HF_HUB_CACHE pointed at @sae/hub/testing's fakeHub
// and a temp cache): `sae inspect`, `sae eval` and `sae train` on the repo id give what they give on the bundled
// model, and all of them load it through @sae/transformer's one loadModel.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { formatWeightMemory, NO_PROCESSING, type ModelConfig } from "@sae/transformer";
import { bundledModelDir, loadBundled } from "@sae/transformer/node";
import type { CliIO } from "../command.ts";
import { main } from "../main.ts";
import { saveSae } from "@sae/core/node";

const REPO = "someone/tiny-shakespeare";

/** GPT-2's parameter count (every bias; the unembedding counted apart from W_E: weight processing centres it into a
 * copy of its own): what the bundled model holds on the device. */
/** Floats on the device; without processing W_U is W_E^T (tied, one buffer), centring the unembedding unties it. */
function bundledParams(c: ModelConfig, tied: boolean): number {
  const { dModel: D, dMlp: M, dVocab: V, nCtx } = c;
  const block = 4 * D + 4 * D * D + 4 * D + 2 * D * M + M + D;
  return (tied ? 1 : 2) * V * D + nCtx * D + c.nLayers * block + 2 * D + V;
}
const HOOK = "blocks.1.hook_resid_post";
const dir = mkdtempSync(join(tmpdir(), "sae-cli-model-"));
const saeDir = join(dir, "sae");
const hub = fakeHub("2".repeat(40));
const saved: Record<string, string | undefined> = {};
let server: Loopback;

function io(): CliIO & { text: () => string; errText: () => string } {
  let [out, err] = ["", ""];
  const progress = { write: () => true };
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    progress,
    onInterrupt: () => () => {},
    text: () => out,
    errText: () => err,
  };
}

beforeAll(async () => {
  const D = (await loadBundled()).cfg.dModel;
  const names = { hook_name: HOOK, model_name: "tiny-shakespeare" };
  const fields = { d_in: D, d_sae: 2 * D, architecture: "standard", ...names } as const;
  const sae = Sae.create(await getDevice(), fields, 7);
  await saveSae(sae, saeDir);
  sae.dispose();
  for (const n of ["config.json", "model.safetensors", "vocab.json", "merges.txt"]) {
    hub.put(REPO, n, new Uint8Array(readFileSync(join(bundledModelDir(), n))));
  }
  server = await serveLoopback(hub.handle);
  for (const k of ["HF_ENDPOINT", "HF_HUB_CACHE"]) saved[k] = process.env[k];
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), "sae-cli-model-hub-"));
});

afterAll(() => {
  server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("--model-name <Hugging Face repo id>", () => {
  test("sae inspect: the bundled model's tokens and features; warns that the model differs", async () => {
    const text = "To be, or not to be";
    const a = io();
    expect(await main(["inspect", text, "--model-name", REPO, "--sae", saeDir, "--json"], a)).toBe(0);
    const b = io();
    expect(await main(["inspect", text, "--model", "bundled", "--sae", saeDir, "--json"], b)).toBe(0);
    const [pa, pb] = [JSON.parse(a.text()), JSON.parse(b.text())];
    expect(pa.tokens).toEqual(pb.tokens);
    expect(pa.features).toEqual(pb.features);
    expect(pa.features.flat().length).toBeGreaterThan(0);
    expect(server.requests).toContain(`GET /${REPO}/resolve/main/model.safetensors`);
    expect(a.errText()).toContain(`runs on '${REPO}'`); // the SAE's cfg names tiny-shakespeare
    // the one stderr line: the model's weight memory (its own test: half_weights.test.ts)
    const bundled = await loadBundled({ processing: NO_PROCESSING }); // as SAELens loads it for the SAE (cfg.json kwargs)
    expect(b.errText()).toBe(`model tiny-shakespeare: ${formatWeightMemory(bundled.memory())}\n`);
    expect(bundled.memory()).toEqual({ weightBytes: 4 * bundledParams(bundled.cfg, true), dtype: "f32" });
    bundled.dispose();
  });

  test("sae steer and sae analyze --model-name give the bundled model's output", async () => {
    const steer = ["steer", "ROMEO:", "--feature", "3:6", "--max-new-tokens", "6", "--temperature", "0", "--json"];
    const [a, b] = [io(), io()];
    expect(await main([...steer, "--sae", saeDir, "--model-name", REPO], a)).toBe(0);
    expect(await main([...steer, "--sae", saeDir, "--model-name", "bundled"], b)).toBe(0);
    expect(a.text().length).toBeGreaterThan(10);
    expect(JSON.parse(a.text())).toEqual(JSON.parse(b.text()));
    const features = (name: string, out: string) =>
      main(["analyze", saeDir, "--tokens", "256", "--out", out, "--model-name", name], io());
    const [outA, outB] = [join(dir, "fd-hub"), join(dir, "fd-bundled")];
    expect(await features(REPO, outA)).toBe(0);
    expect(await features("bundled", outB)).toBe(0);
    const lines = (out: string) => readFileSync(join(out, "features.jsonl"), "utf8");
    expect(lines(outA).length).toBeGreaterThan(10);
    expect(lines(outA)).toBe(lines(outB));
  });

  test("sae eval --model-name gives the bundled model's metrics", async () => {
    const args = ["--prompts", "2", "--batch-prompts", "2", "--context-size", "16", "--json"];
    const a = io();
    expect(await main(["eval", saeDir, "--model-name", REPO, ...args], a)).toBe(0);
    const b = io();
    expect(await main(["eval", saeDir, ...args], b)).toBe(0);
    const [ra, rb] = [JSON.parse(a.text()), JSON.parse(b.text())];
    expect(ra.tokens).toBeGreaterThan(0);
    expect({ ...ra, checkpoint: "" }).toEqual({ ...rb, checkpoint: "" });
  });

  test("sae train --model-name trains on the hub model as on the bundled one (same seed, same weights)", async () => {
    const tiny = (name: string) => [
      "train",
      "--model-name",
      name,
      "--hook-name",
      "blocks.0.hook_resid_post",
      ...["--context-size", "16", "--store-batch-size-prompts", "4", "--n-batches-in-buffer", "4"],
      ...["--train-batch-size-tokens", "64", "--training-tokens", "256", "--expansion-factor", "2", "--k", "8"],
      ...["--eval-holdout-prompts", "4", "--n-eval-batches", "1", "--seed", "3"],
      ...["--checkpoint-path", join(dir, "runs"), "--run-name", name.replace("/", "_")],
    ];
    const a = io();
    expect(await main(tiny(REPO), a)).toBe(0);
    const b = io();
    expect(await main(tiny("tiny-shakespeare"), b)).toBe(0);
    const weights = (run: string) =>
      loadSafetensorsFile(join(dir, "runs", run, "final_256", "sae_weights.safetensors")).tensors.get("W_enc")!.data;
    const [wa, wb] = [weights("someone_tiny-shakespeare"), weights("tiny-shakespeare")];
    expect(wa.length).toBeGreaterThan(0);
    expect(Array.from(wa)).toEqual(Array.from(wb));
    const cfgFile = join(dir, "runs", "someone_tiny-shakespeare", "final_256", "cfg.json");
    const cfg = JSON.parse(readFileSync(cfgFile, "utf8"));
    expect(cfg.model_name).toBe(REPO);
  });
});
