// `sae cache-activations` as its own step: the sharded cache it writes (several shard files) makes a training run
// with use_cached_activations train exactly as the run that computes activations with the model (f32: same final
// weights bit for bit); an unfinished folder (no shards.json) and a cache of another run are refused.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { cacheActivations } from "./cache-activations.ts";
import { resolveConfig } from "./config.ts";
import { trainSae } from "./run.ts";
import { ShardedCacheReader } from "./store/cache-shards.ts";

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

const weights = (ckpt: string) => loadSafetensorsFile(join(ckpt, "sae_weights.safetensors")).tensors;

describe("cache-activations", () => {
  test("a sharded cache written as its own step trains exactly as the model would", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sae-cacheacts-"));
    const cache = join(dir, "acts");
    const base = { ...TINY, checkpoint_path: dir, cached_activations_path: cache };
    const idx = await cacheActivations(resolveConfig(base), { shardBytes: 40_000 });
    const rowBytes = idx.header.d_in * 4;
    expect(idx.shards.length).toBeGreaterThan(2);
    expect(idx.rows).toBeGreaterThanOrEqual(64 * 8 + 4 * 4 * 16);
    expect(idx.shards.reduce((n, s) => n + s.rows, 0)).toBe(idx.rows);
    for (const s of idx.shards.slice(0, -1)) expect(s.rows * rowBytes).toBeGreaterThanOrEqual(40_000);
    // the reader streams all shards' blocks in order, then starts over
    const r = new ShardedCacheReader(cache);
    let rows = 0;
    for (let b = 0; b < idx.blocks; b++) rows += r.nextBlock().rows;
    expect(rows).toBe(idx.rows);
    r.close();
    const again = new ShardedCacheReader(cache);
    const first = again.nextBlock();
    again.close();
    const r2 = new ShardedCacheReader(cache);
    for (let b = 0; b < idx.blocks; b++) r2.nextBlock();
    const cycled = r2.nextBlock();
    r2.close();
    expect(Array.from(cycled.data)).toEqual(Array.from(first.data));

    const direct = await trainSae(resolveConfig({ ...base, run_name: "direct" }));
    const logs: string[] = [];
    const cached = await trainSae(resolveConfig({ ...base, run_name: "cached", use_cached_activations: true }), { log: (l) => logs.push(l) });
    expect(logs).toContain(`reading activations from ${cache}`);
    const a = weights(direct.checkpoint);
    const b = weights(cached.checkpoint);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data)).toEqual(Array.from(t.data));

    // another run's cache, and an unfinished one, are refused
    await expect(trainSae(resolveConfig({ ...base, run_name: "ctx", context_size: 8, use_cached_activations: true }))).rejects.toThrow(/written for another run: context_size 16 != 8/);
    rmSync(join(cache, "shards.json"));
    expect(existsSync(join(cache, "shard-00000.sae-acts"))).toBe(true);
    await expect(trainSae(resolveConfig({ ...base, run_name: "cut", use_cached_activations: true }))).rejects.toThrow("no shards.json (an unfinished or interrupted cache");
  }, 300_000);
});
