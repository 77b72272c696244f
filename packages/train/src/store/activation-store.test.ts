import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
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

function makeStore(seed = 7, writer?: ActivationCacheWriter) {
  const prompts = new PromptStream(new TextSource(text, charTok), { contextSize: 5, prependBos: true, bosTokenId: 1, holdoutPrompts: 2 });
  const producer = new ModelProducer(fake, prompts, { contextSize: 5, storeBatchPrompts: 4, excludeIds: [1], cacheWriter: writer });
  return new ActivationStore(producer, { trainBatchTokens: 6, capacity: 3 * 4 * 5, seed, normalize: "none" });
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
});
