    // n_checkpoints 12: SAELens's thresholds every ceil(768 / 13) = 60 tokens, so one after step 1 (64 > 60)
// End-to-end runs on the bundled tiny-Shakespeare model with tiny settings: resume after an interruption gives the
// same final weights as an uninterrupted run, and bad inputs (malformed JSONL, a dataset shorter than one batch, a
// hook the model lacks, a diverging loss) end with a clear typed error and no corrupted checkpoint.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { resolveConfig } from "./config.ts";
import { ConfigError, DatasetError, DivergedError } from "./errors.ts";
import { trainSae } from "./run.ts";

const dir = mkdtempSync(join(tmpdir(), "sae-run-"));
export const TINY = {
  context_size: 16,
  store_batch_size_prompts: 4,
  n_batches_in_buffer: 4,
  train_batch_size_tokens: 64,
  training_tokens: 64 * 12,
  expansion_factor: 2,
  k: 8,
  eval_holdout_prompts: 8,
  n_eval_batches: 1,
  wandb_log_frequency: 3,
  eval_every_n_wandb_logs: 2,
  dead_feature_window: 2,
  feature_sampling_window: 5,
  b_dec_init_method: "mean",
  html_report: false,
} as const;

const weights = (ckpt: string) => loadSafetensorsFile(join(ckpt, "sae_weights.safetensors")).tensors;

describe("trainSae on the bundled model", () => {
  test("the model loads as SAELens's from_pretrained_no_processing(**model_from_pretrained_kwargs); cfg.json keeps them", async () => {
    const base = { ...TINY, checkpoint_path: dir, training_tokens: 64 * 2, n_checkpoints: 0 };
    const plain = await trainSae(resolveConfig({ ...base, run_name: "kw-default" }));
    const centred = await trainSae(
      resolveConfig({ ...base, run_name: "kw-centred", model_from_pretrained_kwargs: { center_writing_weights: true } }),
    );
    const cfgOf = (ckpt: string) => JSON.parse(readFileSync(join(ckpt, "cfg.json"), "utf8"));
    expect(cfgOf(plain.checkpoint).model_from_pretrained_kwargs).toEqual({ center_writing_weights: false });
    expect(cfgOf(plain.checkpoint).metadata.model_from_pretrained_kwargs).toEqual({ center_writing_weights: false });
    expect(cfgOf(centred.checkpoint).metadata.model_from_pretrained_kwargs).toEqual({ center_writing_weights: true });
    // b_dec starts at the mean activation: with centred writing weights every residual vector sums to zero over d_in.
    const meanOf = (ckpt: string) => {
      const b = weights(ckpt).get("b_dec")!.data as Float32Array;
      return b.reduce((a, v) => a + v, 0) / b.length;
    };
    const init = { ...base, training_tokens: 64, lr: 0, checkpoint_path: dir };
    const a = await trainSae(resolveConfig({ ...init, run_name: "kw-b0", model_from_pretrained_kwargs: {} }));
    const c = await trainSae(resolveConfig({ ...init, run_name: "kw-b1", model_from_pretrained_kwargs: { center_writing_weights: true } }));
    expect(Math.abs(meanOf(c.checkpoint))).toBeLessThan(1e-5);
    expect(Math.abs(meanOf(a.checkpoint))).toBeGreaterThan(1e-3);
  });

  test("resume after an interruption gives the same final weights as an uninterrupted run", async () => {
    const base = { ...TINY, checkpoint_path: dir, n_checkpoints: 1 };
    const full = await trainSae(resolveConfig({ ...base, run_name: "full" }));
    expect(full.steps).toBe(12);
    expect(full.interrupted).toBe(false);
    const stop = { requested: false };
    const part = await trainSae(resolveConfig({ ...base, run_name: "cut" }), { stop, onMetrics: (m) => (stop.requested = m.step >= 6) });
    expect(part.interrupted).toBe(true);
    expect(part.steps).toBe(6);
    expect(part.checkpoint.endsWith(`interrupted_${6 * 64}`)).toBe(true);
    const resumed = await trainSae(resolveConfig({ ...base, run_name: "cut", resume: true }));
    expect(resumed.steps).toBe(12);
    const a = weights(full.checkpoint);
    const b = weights(resumed.checkpoint);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data)).toEqual(Array.from(t.data));
    expect(resumed.evaluation!.explained_variance).toBe(full.evaluation!.explained_variance);
    // the resumed run refuses a changed trajectory
    await expect(trainSae(resolveConfig({ ...base, run_name: "cut", resume: true, lr: 1e-3 }))).rejects.toThrow("trained with different lr (0.0004 there, 0.001 now)");
  }, 120_000);

  test("a budget of 7.5 batches runs 8 steps (SAELens fit()), the lr schedule 7, checkpoints at SAELens's thresholds", async () => {
    // SAELens 6.18: thresholds range(0, 480, ceil(480 / 4) = 120)[1:] = 120, 240, 360; after each step, the first
    // remaining one the samples seen exceed writes str(samples) and drops one: steps 2, 4, 6 (128, 256, 384 tokens).
    // The schedule (warm-up 2, cosine, decay 2) is floor(480 / 64) = 7 steps long; step 8 reads it one past its end.
    const cfg = { ...TINY, checkpoint_path: dir, run_name: "ceil", training_tokens: 480, n_checkpoints: 3, wandb_log_frequency: 1, lr_scheduler_name: "cosineannealing", lr_warm_up_steps: 2, lr_decay_steps: 2 } as const;
    const lrs: number[] = [];
    const r = await trainSae(resolveConfig(cfg), { onMetrics: (m, total) => {
      lrs.push(m.lr);
      expect(total).toEqual({ steps: 8, tokens: 512 });
    } });
    expect(r.steps).toBe(8);
    expect(r.tokens).toBe(512);
    expect(r.checkpoint.endsWith("final_512")).toBe(true);
    expect(readdirSync(join(dir, "ceil")).filter((d) => /^(final_)?\d+$/.test(d)).sort()).toEqual(["128", "256", "384", "final_512"]);
    expect(lrs.length).toBe(8);
    expect(lrs[7]).toBe(0); // the decay's end, as torch's LinearLR past total_iters
    expect(lrs[6]).toBeGreaterThan(0);
  }, 120_000);

  test("resume is exact for batchtopk with activation normalisation (state keeps the training layout)", async () => {
    const base = { ...TINY, checkpoint_path: dir, architecture: "batchtopk", normalize_activations: "expected_average_only_in", training_tokens: 64 * 8 } as const;
    const full = await trainSae(resolveConfig({ ...base, run_name: "btk-full" }));
    const stop = { requested: false };
    await trainSae(resolveConfig({ ...base, run_name: "btk-cut" }), { stop, onMetrics: (m) => (stop.requested = m.step >= 3) });
    const resumed = await trainSae(resolveConfig({ ...base, run_name: "btk-cut", resume: true }));
    const a = weights(full.checkpoint);
    const b = weights(resumed.checkpoint);
    expect([...a.keys()].sort()).toEqual(["W_dec", "W_enc", "b_dec", "b_enc", "threshold"]); // saved as jumprelu, scale folded
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data)).toEqual(Array.from(t.data));
    expect(resumed.evaluation!.explained_variance).toBeGreaterThan(-1);
  }, 120_000);

  test("bad inputs end with clear errors and no checkpoint", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `{"text": "To be, or not to be"}\n{"text": broken\n`);
    await expect(trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "jsonl", dataset_path: bad }))).rejects.toThrow(`${bad}:2: malformed JSON line`);
    const short = join(dir, "short.txt");
    writeFileSync(short, "ROMEO: But, soft! what light through yonder window breaks? It is the east, and Juliet is the sun.\n".repeat(2));
    const e = await trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "short", dataset_path: short, eval_holdout_prompts: 1 })).catch((x) => x);
    expect(e).toBeInstanceOf(DatasetError);
    expect(e.message).toMatch(/too short for one batch/);
    await expect(trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, hook_name: "blocks.1.hook_resid_middle" }))).rejects.toThrow(/unknown hook point "blocks.1.hook_resid_middle"; valid names: hook_embed/);
    await expect(trainSae(resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "nores", resume: true }))).rejects.toThrow(ConfigError);
    for (const r of ["jsonl", "short"]) expect(existsSync(join(dir, r))).toBe(existsSync(join(dir, r)) && readdirSync(join(dir, r)).every((f) => f === "metrics.jsonl"));
  }, 60_000);

  test("a diverging loss stops with DivergedError and keeps the last good checkpoint intact", async () => {
    // rescale off: at lr 1e30 the rescaled export (W_enc * ||W_dec||) overflows from the first step, so no checkpoint would be good
    const cfg = resolveConfig({ ...TINY, checkpoint_path: dir, run_name: "nan", lr: 1e30, lr_warm_up_steps: 0, n_checkpoints: 12, wandb_log_frequency: 1, rescale_acts_by_decoder_norm: false });
    const e = await trainSae(cfg).catch((x) => x);
    expect(e).toBeInstanceOf(DivergedError);
    // step 1's loss passed; the checkpoint after it holds weights moved by lr 1e30, which step 2's loss exposes
    expect(e.message).toMatch(
      /^training diverged: loss is (NaN|Infinity) at step 2 .*\. Not trusted \(written after the last loss that passed\): .*nan\/64\. No checkpoint passed the divergence check; nothing was saved for this step\.$/,
    );
    const entries = readdirSync(join(dir, "nan"));
    expect(entries.some((f) => f.includes(".tmp-") || f.startsWith("final_"))).toBe(false);
    const ckpts = entries.filter((f) => f !== "metrics.jsonl");
    expect(ckpts.length).toBeGreaterThan(0);
    for (const f of ckpts) {
      for (const [, t] of weights(join(dir, "nan", f))) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    }
  }, 60_000);
});
