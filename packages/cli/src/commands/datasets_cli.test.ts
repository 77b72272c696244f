// `sae pretokenize` and `sae cache-activations` end to end on the bundled model: a pretokenized folder that
// `sae train --dataset-path` then streams (every row starts with the begin-batch token, BOS), and a sharded
// activation cache `sae train --use-cached-activations` then trains from without the model.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { captureIO } from "../io_testing.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(join(tmpdir(), "sae-cli-data-"));
const SPLIT = fileURLToPath(new URL("../../../train/fixtures/datasets/stories-split", import.meta.url));
const TINY = ["--context-size", "16", "--store-batch-size-prompts", "4", "--n-batches-in-buffer", "4", "--train-batch-size-tokens", "64"];
const TRAIN = [...TINY, "--training-tokens", "384", "--expansion-factor", "2", "--k", "8", "--eval-holdout-prompts", "4", "--n-eval-batches", "1", "--n-checkpoints", "0", "--html-report=false", "--checkpoint-path", dir];

describe("sae pretokenize / cache-activations", () => {
  test("pretokenize a JSONL folder, then train on the pretokenized folder", async () => {
    const out = join(dir, "pretok");
    const io = captureIO();
    const code = await main(["pretokenize", SPLIT, "--out", out, "--context-size", "16", "--shuffle=false"], io);
    expect(io.stderr).not.toContain("error");
    expect(code).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "pretokenized.json"), "utf8"));
    expect(io.stdout).toContain(`wrote ${out}: ${meta.rows} rows of 16 tokens (u16)`);
    expect(meta).toMatchObject({ format: "sae-pretokenized-v1", context_size: 16, shuffled: false, begin_batch_token: 2047, sequence_separator_token: 2047 });
    const ids = new Uint16Array(readFileSync(join(out, "tokens.bin")).buffer.slice(0));
    expect(ids.length).toBe(meta.rows * 16);
    for (let r = 0; r < meta.rows; r++) expect(ids[r * 16]).toBe(2047);
    const t = captureIO();
    const tc = await main(["train", ...TRAIN, "--dataset-path", out, "--run-name", "run-pretok"], t);
    expect(t.stderr).not.toContain("error");
    expect(tc).toBe(0);
    expect(t.stdout).toContain("trained 6 steps (384 tokens)");
    expect(await main(["pretokenize", SPLIT], captureIO())).toBe(2);
  }, 300_000);

  test("cache-activations writes shards; train --use-cached-activations reads them", async () => {
    const cache = join(dir, "acts");
    const io = captureIO();
    const code = await main(["cache-activations", ...TRAIN, "--cached-activations-path", cache, "--shard-mb", "0.05"], io);
    expect(io.stderr).not.toContain("error");
    expect(code).toBe(0);
    const shards = readdirSync(cache).filter((f) => f.endsWith(".sae-acts"));
    expect(shards.length).toBeGreaterThan(1);
    expect(io.stdout).toContain(`in ${shards.length} shard(s)`);
    for (const s of shards.slice(0, -1)) expect(statSync(join(cache, s)).size).toBeGreaterThan(0.05 * 2 ** 20);
    const t = captureIO();
    expect(await main(["train", ...TRAIN, "--cached-activations-path", cache, "--use-cached-activations", "--run-name", "cached"], t)).toBe(0);
    expect(t.stderr).toContain(`reading activations from ${cache}`);
    expect(await main(["cache-activations", ...TRAIN], captureIO())).toBe(2);
  }, 300_000);
});
