// sae pretokenize's runner: a hub dataset (loopback) tokenized into a pretokenized folder holds SAELens's rows
// (concatAndBatch, itself checked against SAELens, per batch of documents), is read back row for row as prompts,
// shuffles deterministically by seed, and a truncated tokens.bin is refused naming the file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatAndBatch } from "./concat-batch.ts";
import { PretokenizedSource, readPretokenizedMetadata } from "./pretokenized.ts";
import { pretokenizeDataset, type PretokenizeOptions } from "./pretokenize-run.ts";
import { PromptStream } from "./prompts.ts";
import { openDataset } from "./sources.ts";
import { type LoopbackHub, startLoopbackHub } from "./test/loopback-hub.ts";
import type { TextTokenizer } from "./tokenizer.ts";

const charTok: TextTokenizer = { encode: (s) => Array.from(s, (c) => (c.codePointAt(0)! % 5000) + 1), bosTokenId: 0, vocabSize: 5001 };
const dir = mkdtempSync(join(tmpdir(), "sae-pretok-"));
let hub: LoopbackHub;
beforeAll(async () => {
  hub = await startLoopbackHub();
});
afterAll(() => hub.close());

const source = () => openDataset("org/stories-split", { tokenizer: charTok, hub: { endpoint: hub.endpoint, cacheDir: join(dir, "hub"), quiet: true } });
const base = (outDir: string): PretokenizeOptions => ({
  outDir,
  contextSize: 32,
  tokenizerName: "chars",
  datasetPath: "org/stories-split",
  columnName: "text",
  beginBatchToken: 0,
  beginSequenceToken: null,
  sequenceSeparatorToken: 0,
  disableConcatSequences: false,
  shuffle: false,
  seed: 42,
});

async function expectedRows(groupSize: number): Promise<number[][]> {
  const src = source();
  const docs: Int32Array[] = [];
  for (let d = await src.nextDoc(); d; d = await src.nextDoc()) docs.push(d);
  const rows: number[][] = [];
  for (let at = 0; at < docs.length; at += groupSize) {
    async function* group() {
      yield* docs.slice(at, at + groupSize);
    }
    for await (const r of concatAndBatch(group(), { contextSize: 32, beginBatchToken: 0, sequenceSeparatorToken: 0 })) rows.push(Array.from(r));
  }
  return rows;
}

async function readRows(folder: string): Promise<number[][]> {
  const p = new PromptStream(openDataset(folder, { tokenizer: charTok }), { contextSize: 32, prependBos: true, bosTokenId: 0, holdoutPrompts: 0 });
  const n = readPretokenizedMetadata(folder).rows;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from(await p.next()));
  return out;
}

describe("pretokenize", () => {
  test("rows are SAELens's concat_and_batch rows per batch of documents, read back as prompts", async () => {
    const out = join(dir, "plain");
    const meta = await pretokenizeDataset(source(), base(out));
    const want = await expectedRows(1000);
    expect(meta).toMatchObject({ format: "sae-pretokenized-v1", dtype: "u16", context_size: 32, rows: want.length, shuffled: false, begin_batch_token: 0 });
    expect(want.length).toBeGreaterThan(100);
    expect(await readRows(out)).toEqual(want);
    const small = await pretokenizeDataset(source(), { ...base(join(dir, "b7")), batchSize: 7 });
    expect(await readRows(join(dir, "b7"))).toEqual(await expectedRows(7));
    expect(small.rows).toBeLessThan(want.length); // each batch's short tail is dropped, as in SAELens
  });

  test("shuffle: a seeded permutation of the same rows, the same for the same seed", async () => {
    const want = await expectedRows(1000);
    await pretokenizeDataset(source(), { ...base(join(dir, "s1")), shuffle: true, seed: 1 });
    await pretokenizeDataset(source(), { ...base(join(dir, "s1b")), shuffle: true, seed: 1 });
    await pretokenizeDataset(source(), { ...base(join(dir, "s2")), shuffle: true, seed: 2 });
    const a = await readRows(join(dir, "s1"));
    expect(a).not.toEqual(want);
    expect([...a].sort()).toEqual([...want].sort());
    expect(await readRows(join(dir, "s1b"))).toEqual(a);
    expect(await readRows(join(dir, "s2"))).not.toEqual(a);
    expect(readFileSync(join(dir, "s1", "pretokenized.json"), "utf8")).toContain('"seed": 1');
  });

  test("a truncated tokens.bin and already-pretokenized input are refused", async () => {
    const out = join(dir, "cut");
    const meta = await pretokenizeDataset(source(), base(out));
    truncateSync(join(out, "tokens.bin"), meta.rows * 64 - 10);
    expect(() => new PretokenizedSource(out)).toThrow(/tokens\.bin: \d+ bytes, but pretokenized.json says \d+ rows of 32 u16 tokens .* truncated\?/);
    const again = openDataset(join(dir, "plain"), { tokenizer: charTok });
    await expect(pretokenizeDataset(again, base(join(dir, "again")))).rejects.toThrow("already pretokenized");
  });
});
