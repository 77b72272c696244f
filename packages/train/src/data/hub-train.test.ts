// A training run (bundled tiny-Shakespeare model, tiny settings) that streams a Parquet dataset from a loopback hub
// trains exactly as the same run on a local copy of the file: same steps, same final weights bit for bit.
// And bundled:tinystories resolves to the shipped TinyStories slice (checksum from its SOURCE.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@sae/hub/node";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { resolveConfig } from "../config.ts";
import { trainSae } from "../run.ts";
import { bundledDataset } from "./bundled.ts";
import { FIXTURES, type LoopbackHub, startLoopbackHub } from "./test/loopback-hub.ts";

const TINY = {
  context_size: 16,
  store_batch_size_prompts: 4,
  n_batches_in_buffer: 4,
  train_batch_size_tokens: 64,
  training_tokens: 64 * 8,
  expansion_factor: 2,
  k: 8,
  eval_holdout_prompts: 8,
  n_eval_batches: 1,
  n_checkpoints: 0,
  b_dec_init_method: "mean",
  html_report: false,
} as const;

let hub: LoopbackHub;
beforeAll(async () => {
  hub = await startLoopbackHub();
});
afterAll(() => hub.close());

const weights = (ckpt: string) => loadSafetensorsFile(join(ckpt, "sae_weights.safetensors")).tensors;

describe("training on a hub dataset", () => {
  test("a run streaming org/stories-text (Parquet) from the hub equals the run on the local file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sae-hubtrain-"));
    const hubOpts = { endpoint: hub.endpoint, cacheDir: join(dir, "hub"), quiet: true, onWarning: () => {} };
    const streamed = await trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "hub", dataset_path: "org/stories-text" }), { hub: hubOpts });
    expect(hub.seen).toContain("GET /datasets/org/stories-text/resolve/main/data/train-00000-of-00001.parquet");
    const file = join(FIXTURES, "stories-text/data/train-00000-of-00001.parquet");
    const local = await trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "local", dataset_path: file }));
    expect(streamed.steps).toBe(8);
    expect(local.steps).toBe(8);
    const a = weights(streamed.checkpoint);
    const b = weights(local.checkpoint);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data)).toEqual(Array.from(t.data));
    expect(streamed.evaluation!.explained_variance).toBe(local.evaluation!.explained_variance);
  }, 300_000);

  test("bundled:tinystories is the shipped TinyStories slice", () => {
    const path = bundledDataset("tinystories");
    expect(sha256Hex(new Uint8Array(readFileSync(path)))).toBe("5fc1fb0113df62b567fb271806cd645ce8d75f59c58ca0b764c03d3b6ff34ca6");
    expect(readFileSync(join(path, "../SOURCE.md"), "utf8")).toContain("CDLA-Sharing-1.0");
    expect(() => bundledDataset("nope")).toThrow("the bundled datasets are 'bundled:tiny-shakespeare', 'bundled:tinystories'");
  });
});
