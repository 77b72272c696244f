// Plain transcoder training end to end on the bundled model (this project's extension; SAELens 6.18 trains no
// transcoders): hook_name_out makes the store yield paired [input hook | output hook] rows from one forward pass,
// the standard objective takes its MSE against the output hook, and the checkpoint is SAELens's Transcoder folder.
// Checked: the run's MSE falls; loadTranscoder reads the checkpoint, and on fresh text it explains the output
// hook's variance (better than predicting its mean) and predicts the output hook, not the input one; bad settings
// are ConfigErrors.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transcoder } from "@sae/core";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadModel } from "@sae/transformer/node";
import { resolveConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { ModelHook, PairedHook } from "./model-hooks.ts";
import { trainSae } from "./run.ts";
import { loadTranscoder } from "@sae/core/node";

// run.test.ts's tiny settings (importing that file would run its tests too)
const TINY = {
  context_size: 16,
  store_batch_size_prompts: 4,
  n_batches_in_buffer: 4,
  train_batch_size_tokens: 64,
  expansion_factor: 2,
  eval_holdout_prompts: 8,
  n_eval_batches: 1,
  wandb_log_frequency: 3,
  eval_every_n_wandb_logs: 2,
  dead_feature_window: 2,
  feature_sampling_window: 5,
  b_dec_init_method: "mean",
  html_report: false,
} as const;
const IN = "blocks.1.hook_resid_mid";
const OUT = "blocks.1.hook_mlp_out";
const dir = mkdtempSync(join(tmpdir(), "sae-tc-run-"));

const sq = (a: ArrayLike<number>, b: (i: number) => number) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b(i)) ** 2;
  return s;
};

describe("transcoder training (hook_name_out)", () => {
  test("trains on the bundled model and saves a Transcoder that predicts the output hook", async () => {
    const device = await getDevice();
    const cfg = resolveConfig({
      ...TINY,
      architecture: "standard",
      hook_name: IN,
      hook_name_out: OUT,
      l1_coefficient: 0.01,
      lr: 3e-3,
      training_tokens: 64 * 40,
      checkpoint_path: dir,
      run_name: "tc",
    });
    const r = await trainSae(cfg, { device });
    expect([r.steps, r.interrupted, r.evaluation]).toEqual([40, false, null]);
    const steps = readFileSync(r.metricsPath, "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.type === "step");
    const mse = steps.map((m) => m.losses.mse_loss as number);
    expect(mse[mse.length - 1]).toBeLessThan(mse[0] * 0.7);

    const model0DIn = 128; // the bundled model's d_model
    const tc = loadTranscoder(r.checkpoint, device);
    const d = model0DIn;
    expect([tc.cfg.architecture, tc.cfg.hook_name, tc.cfg.hook_name_out, tc.cfg.d_in, tc.cfg.d_out]).toEqual(["transcoder", IN, OUT, d, d]);
    const model = await loadModel("tiny-shakespeare", { device });
    const pairs = new PairedHook(await ModelHook.create(model, IN), await ModelHook.create(model, OUT));
    const ids = model.tokenizer!.encode("Now is the winter of our discontent made glorious summer by this sun.");
    const pos = ids.length;
    const rows = await pairs.run(Int32Array.from(ids), 1, pos);
    const x = new Float32Array(pos * d);
    const y = new Float32Array(pos * d);
    for (let t = 0; t < pos; t++) {
      x.set(rows.subarray(2 * t * d, (2 * t + 1) * d), t * d);
      y.set(rows.subarray((2 * t + 1) * d, (2 * t + 2) * d), t * d);
    }
    const xt = Tensor.from(device, [pos, d], x);
    const out = await tc.forward(xt);
    const yHat = (await out.read()) as Float32Array;
    const mean = new Float32Array(d);
    for (let i = 0; i < y.length; i++) mean[i % d] += y[i] / pos;
    const err = sq(y, (i) => yHat[i]);
    const explainedVariance = 1 - err / sq(y, (i) => mean[i % d]);
    const fx = sq(x, (i) => yHat[i]);
    console.log(`transcoder: mse ${mse[0].toFixed(3)} -> ${mse[mse.length - 1].toFixed(3)}, fresh-text EV ${explainedVariance.toFixed(3)}, err vs out ${err.toFixed(1)} vs in ${fx.toFixed(1)}`);
    expect(explainedVariance).toBeGreaterThan(0.2);
    expect(err).toBeLessThan(fx); // it predicts the output hook, not the input
    for (const t of [xt, out]) t.dispose();
    tc.dispose();
  }, 300_000);

  test("hook_name_out needs a standard SAE, no activation scaling, no activation cache", () => {
    const tc = { ...TINY, hook_name: IN, hook_name_out: OUT };
    expect(() => resolveConfig({ ...tc, architecture: "topk" })).toThrow(ConfigError);
    expect(() => resolveConfig({ ...tc, architecture: "topk" })).toThrow("hook_name_out (transcoder training) needs architecture 'standard', got 'topk'");
    expect(() => resolveConfig({ ...tc, architecture: "standard", normalize_activations: "expected_average_only_in" })).toThrow(ConfigError);
    expect(() => resolveConfig({ ...tc, architecture: "standard", use_cached_activations: true, cached_activations_path: dir })).toThrow(ConfigError);
  });
});
