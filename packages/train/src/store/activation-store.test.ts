import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { deflateSync } from "fflate";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PromptStream } from "../data/prompts.ts";
import { TextSource } from "../data/sources.ts";
import type { TextTokenizer } from "../data/tokenizer.ts";
import { ActivationCacheReader, ActivationCacheWriter, cacheMatches, type ActivationCacheHeader } from "./activation-cache.ts";
import { ActivationStore } from "./activation-store.ts";
import { CacheProducer, ModelProducer, type HookActivations } from "./producers.ts";

const D = 3;
const charTok: TextTokenizer = { encode: (s) => Array.from(s, (c) => c.charCodeAt(0)), bosTokenId: 1 };
// Fake model: activation of token t at position p = [t, p, t * 0.5 + p].
const fake: HookActivations = {
  dIn: D,
  async run(tokens, batch, pos) {
    const out = new Float32Array(batch * pos * D);
    for (let i = 0; i < batch * pos; i++) out.set([tokens[i], i % pos, tokens[i] * 0.5 + (i % pos)], i * D);
    return out;
  },
};
const dir = mkdtempSync(join(tmpdir(), "sae-store-"));
const text = join(dir, "t.txt");
writeFileSync(text, Array.from({ length: 400 }, (_, i) => String.fromCharCode(40 + i)).join(""));

function makeStore(seed = 7, writer?: ActivationCacheWriter, prefetch = true, model: HookActivations = fake) {
  const prompts = new PromptStream(new TextSource(text, charTok), { contextSize: 5, prependBos: true, bosTokenId: 1, holdoutPrompts: 2 });
  const producer = new ModelProducer(model, prompts, { contextSize: 5, storeBatchPrompts: 4, excludeIds: [1], cacheWriter: writer });
  return new ActivationStore(producer, { trainBatchTokens: 6, capacity: 3 * 4 * 5, seed, normalize: "none", prefetch });
}

const rowsOf = (b: Float32Array) => Array.from({ length: b.length / D }, (_, r) => Array.from(b.subarray(r * D, r * D + D)).join(","));

describe("activation store", () => {
  test("serves shuffled batches of real rows, BOS positions excluded, every row once", async () => {
    const s = makeStore();
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) seen.push(...rowsOf(await s.nextBatch())); // 48 of the first 48 rows
    // BOS (token 1, position 0) never appears; positions are 1..4.
    expect(seen.every((r) => r.split(",")[1] !== "0")).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    // Prompts after the 2 held-out ones: prompt p holds tokens 40+4p.. at positions 1..4.
    const expected = new Set<string>();
    for (let p = 2; p < 30; p++) for (let q = 1; q < 5; q++) {
      const t = 40 + p * 4 + q - 1;
      expected.add(`${t},${q},${t * 0.5 + q}`);
    }
    expect(seen.every((r) => expected.has(r))).toBe(true);
    expect(seen.slice(0, 6)).not.toEqual(seen.slice(0, 6).slice().sort());
  });

  test("same seed, same batches; state/restore continues exactly", async () => {
    const a = makeStore(3);
    const b = makeStore(3);
    for (let i = 0; i < 5; i++) expect(rowsOf(await a.nextBatch())).toEqual(rowsOf(await b.nextBatch()));
    const st = a.state();
    const want: string[][] = [];
    for (let i = 0; i < 12; i++) want.push(rowsOf(await a.nextBatch()));
    const c = makeStore(3);
    c.restore(st);
    for (let i = 0; i < 12; i++) expect(rowsOf(await c.nextBatch())).toEqual(want[i]);
    const other = makeStore(4);
    expect(rowsOf(await other.nextBatch())).not.toEqual(rowsOf(await makeStore(3).nextBatch()));
  });

  test("prefetch: the same batches as without it, and a state taken with blocks in flight restores exactly", async () => {
    const on = makeStore(5);
    const off = makeStore(5, undefined, false);
    const want: string[][] = [];
    for (let i = 0; i < 7; i++) {
      want.push(rowsOf(await off.nextBatch()));
      expect(rowsOf(await on.nextBatch())).toEqual(want[i]);
    }
    const st = on.state(); // a block is in flight or staged here: it must not count as produced
    const next: string[][] = [];
    for (let i = 0; i < 25; i++) {
      next.push(rowsOf(await off.nextBatch()));
      expect(rowsOf(await on.nextBatch())).toEqual(next[i]);
    }
    const restored = makeStore(5, undefined, false);
    restored.restore(st);
    for (let i = 0; i < 25; i++) expect(rowsOf(await restored.nextBatch())).toEqual(next[i]);
    await on.drain();
  });

  test("prefetch: the model runs for the next blocks as soon as a batch is served, not at the next top-up", async () => {
    const calls = { on: 0, off: 0 };
    const counting = (key: "on" | "off"): HookActivations => ({ dIn: D, run: (t, b, p) => (calls[key]++, fake.run(t, b, p)) });
    const on = makeStore(5, undefined, true, counting("on"));
    const off = makeStore(5, undefined, false, counting("off"));
    // the first fill takes 60 rows = 4 blocks of 16 usable rows (BOS dropped) on both; then only `on` asks for more,
    // before nextBatch returns
    // (the prompt stream is async: one macrotask lets the producer reach the model)
    const tick = () => new Promise((r) => setTimeout(r, 0));
    await on.nextBatch();
    await tick();
    expect(calls.on).toBeGreaterThanOrEqual(5);
    await off.nextBatch();
    await tick();
    expect(calls.off).toBe(4);
    await on.drain();
    // chained up to what the next top-up takes (capacity 60 - threshold 30 = 30 rows: 2 blocks), then it stops
    expect(calls.on).toBe(6);
    const rates = on.throughput.window(6);
    expect(rates.modelTokensPerS).toBeGreaterThan(0);
  });

  test("expected_average_only_in scales rows to mean norm sqrt(d_in)", async () => {
    const prompts = new PromptStream(new TextSource(text, charTok), { contextSize: 5, prependBos: true, bosTokenId: 1, holdoutPrompts: 0 });
    const s = new ActivationStore(new ModelProducer(fake, prompts, { contextSize: 5, storeBatchPrompts: 4, excludeIds: [1] }), { trainBatchTokens: 16, capacity: 16, seed: 1, normalize: "expected_average_only_in" });
    const b = await s.nextBatch();
    let sum = 0;
    for (let r = 0; r < 16; r++) sum += Math.hypot(...b.subarray(r * D, r * D + D));
    // the first fill holds exactly these 16 rows, so their mean norm is sqrt(3) by construction
    expect(sum / 16).toBeCloseTo(Math.sqrt(D), 4);
  });

  test("activation cache: a second run reads the same rows without the model (f32 exact, f16 close)", async () => {
    for (const dtype of ["f32", "f16"] as const) {
      const path = join(dir, `acts-${dtype}.sae-acts`);
      const header: ActivationCacheHeader = { model_name: "fake", hook_name: "h", d_in: D, context_size: 5, dtype, prepend_bos: true, dataset_path: text };
      const w = new ActivationCacheWriter(path, header);
      const first = makeStore(9, w);
      const want: Float32Array[] = [];
      for (let i = 0; i < 10; i++) want.push((await first.nextBatch()).slice());
      w.finish();
      expect(cacheMatches(path, header)).toBe(true);
      expect(() => cacheMatches(path, { ...header, hook_name: "other" })).toThrow("hook_name \"h\" != \"other\"");
      const cached = new ActivationStore(new CacheProducer(new ActivationCacheReader(path), 20), { trainBatchTokens: 6, capacity: 60, seed: 9, normalize: "none" });
      for (let i = 0; i < 10; i++) {
        const got = await cached.nextBatch();
        for (let j = 0; j < got.length; j++) expect(Math.abs(got[j] - want[i][j])).toBeLessThanOrEqual(dtype === "f32" ? 0 : Math.abs(want[i][j]) * 1e-3);
      }
    }
  });

  test("activation cache: the writer stores rows raw (reads at file speed); deflated blocks of older files still read", () => {
    const path = join(dir, "mixed.sae-acts");
    const header: ActivationCacheHeader = { model_name: "fake", hook_name: "h", d_in: D, context_size: 5, dtype: "f32", prepend_bos: true, dataset_path: text };
    const w = new ActivationCacheWriter(path, header);
    const a = Float32Array.from({ length: 4 * D }, (_, i) => i * 0.25);
    w.append(a, 4);
    w.finish();
    expect(w.storedBytes).toBe(w.rawBytes);
    // a block as the earlier writer stored it: deflate of [0, 0, ...] (compresses, so stored < raw)
    const zeros = new Float32Array(64 * D);
    const packed = deflateSync(new Uint8Array(zeros.buffer), { level: 1 });
    const meta = new Uint8Array(12);
    new DataView(meta.buffer).setUint32(0, 64, true);
    new DataView(meta.buffer).setUint32(4, zeros.byteLength, true);
    new DataView(meta.buffer).setUint32(8, packed.length, true);
    appendFileSync(path, meta);
    appendFileSync(path, packed);
    const r = new ActivationCacheReader(path);
    expect(Array.from(r.nextBlock().data)).toEqual(Array.from(a));
    expect(r.atEnd).toBe(false);
    const b = r.nextBlock();
    expect([b.rows, b.data.length, b.data.every((v) => v === 0)]).toEqual([64, 64 * D, true]);
    expect(r.atEnd).toBe(true);
    expect(Array.from(r.nextBlock().data)).toEqual(Array.from(a)); // cycles
    r.close();
  });
});
