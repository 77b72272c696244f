// Hugging Face datasets streamed from a loopback hub (test/loopback-hub.ts): a text Parquet dataset (row groups, a
// test split that must not be read), a pretokenized one (input_ids lists), one split over .jsonl.gz / .jsonl.zst /
// .jsonl files; a truncated file, a server that stalls, a loading-script repo, offline reads from the cache.
// Expected values come from the source text (the bundled TinyStories slice the fixtures were written from).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError } from "@sae/hub";
import { DatasetError } from "../errors.ts";
import { LocalDataFiles, RowFilesSource } from "./file-source.ts";
import { HubDatasetFiles, type HubDatasetOptions, listHubDatasetFiles, pickTrainFiles } from "./hub-dataset.ts";
import { PromptStream } from "./prompts.ts";
import { openDataset, type TokenSource } from "./sources.ts";
import { FIXTURES, type LoopbackHub, startLoopbackHub } from "./test/loopback-hub.ts";
import type { TextTokenizer } from "./tokenizer.ts";

const charTok: TextTokenizer = { encode: (s) => Array.from(s, (c) => c.codePointAt(0)! + 1), bosTokenId: 0, vocabSize: 1 << 21 };
const decode = (p: Int32Array) => String.fromCodePoint(...Array.from(p, (t) => t - 1));
const LINES = readFileSync(new URL("../../assets/tinystories/validation.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim().length > 40)
  .map((l) => l.slice(0, 240));
const TOKEN_ROWS = Array.from({ length: 24 }, (_, r) => Array.from({ length: 9 }, (_, c) => (r * 131 + c * 17) % 2048));

let hub: LoopbackHub;
beforeAll(async () => {
  hub = await startLoopbackHub();
});
afterAll(() => hub.close());

const opts = (extra: Partial<HubDatasetOptions> = {}): HubDatasetOptions => ({
  endpoint: hub.endpoint,
  cacheDir: mkdtempSync(join(tmpdir(), "sae-hubds-")),
  quiet: true,
  onWarning: () => {},
  backoffMs: 1,
  ...extra,
});

async function allDocs(src: TokenSource): Promise<string[]> {
  const out: string[] = [];
  for (let d = await src.nextDoc(); d; d = await src.nextDoc()) out.push(decode(d));
  return out;
}

describe("Hugging Face datasets from a loopback hub", () => {
  test("listing follows the hub's pages; the train split's data files are picked", async () => {
    const files = await listHubDatasetFiles("org/stories-text", opts());
    expect(files.sort()).toEqual(["README.md", "data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"]);
    expect(hub.seen.filter((s) => s.startsWith("GET /api/datasets/org/stories-text/tree/main")).length).toBe(2);
    expect(pickTrainFiles(files, "x")).toEqual(["data/train-00000-of-00001.parquet"]);
    expect(pickTrainFiles(["b.jsonl", "a.jsonl.zst", "x.parquet"], "x")).toEqual(["x.parquet"]);
    expect(pickTrainFiles(["b.jsonl", "a.jsonl.zst", "README.md"], "x")).toEqual(["a.jsonl.zst", "b.jsonl"]);
    expect(() => pickTrainFiles(["ds.py", "README.md"], "org/ds")).toThrow("only a loading script (ds.py); running it (dataset_trust_remote_code) is not supported");
    await expect(listHubDatasetFiles("org/nope", opts({ retries: 0 }))).rejects.toThrow("HTTP 404: no such dataset or revision on the hub");
  });

  test("text Parquet: every row of every row group, tokenized on the fly, one document each", async () => {
    const src = openDataset("org/stories-text", { tokenizer: charTok, hub: opts() });
    expect(src.description).toBe("hub dataset org/stories-text");
    expect(await allDocs(src)).toEqual(LINES.slice(0, 60));
    expect(hub.seen.some((s) => s.includes("test-00000"))).toBe(false);
    // BOS between documents when they are concatenated into prompts
    src.reset();
    const p = new PromptStream(src, { contextSize: 300, prependBos: false, bosTokenId: 0, holdoutPrompts: 0 });
    const first = await p.next();
    const sep = first.indexOf(0);
    expect(decode(first.subarray(0, sep))).toBe(LINES[0]);
    expect(decode(first.subarray(sep + 1, sep + 11))).toBe(LINES[1].slice(0, 10));
    src.close();
  });

  test("pretokenized Parquet (input_ids): rows are prompts, truncated to context_size, nothing added", async () => {
    const src = openDataset("org/stories-tokens", { tokenizer: { ...charTok, vocabSize: 2048 }, hub: opts() });
    const p = new PromptStream(src, { contextSize: 8, prependBos: true, bosTokenId: 0, holdoutPrompts: 2 });
    expect((await p.holdout()).map((r) => Array.from(r))).toEqual(TOKEN_ROWS.slice(0, 2).map((r) => r.slice(0, 8)));
    const got: number[][] = [];
    for (let i = 0; i < 23; i++) got.push(Array.from(await p.next()));
    expect(got).toEqual([...TOKEN_ROWS.slice(2), ...TOKEN_ROWS.slice(2, 3)].map((r) => r.slice(0, 8)));
    expect(p.epoch).toBe(1);
    const long = new PromptStream(openDataset("org/stories-tokens", { tokenizer: charTok, hub: opts() }), { contextSize: 10, prependBos: false, bosTokenId: 0, holdoutPrompts: 0 });
    await expect(long.next()).rejects.toThrow("a pretokenized row holds 9 tokens, fewer than context_size 10");
    const small = openDataset("org/stories-tokens", { tokenizer: { ...charTok, vocabSize: 1000 }, hub: opts() });
    await expect((async () => { while (await small.nextDoc()); })()).rejects.toThrow(/column 'input_ids': token id \d+ is outside the model's vocabulary \[0, 1000\)/);
  });

  test("a dataset split over .jsonl.gz, .jsonl.zst and .jsonl streams file by file, one file ahead", async () => {
    const before = hub.seen.length;
    const src = openDataset("org/stories-split", { tokenizer: charTok, hub: opts() });
    expect(decode((await src.nextDoc())!)).toBe(LINES[100]);
    const got = hub.seen.slice(before).filter((s) => s.startsWith("GET /datasets/"));
    expect(got.some((s) => s.endsWith("part-0.jsonl.gz"))).toBe(true);
    expect(got.some((s) => s.endsWith("part-2.jsonl"))).toBe(false); // not yet: training starts before all is local
    const rest = await allDocs(src);
    expect([LINES[100], ...rest]).toEqual(LINES.slice(100, 160));
    // the same files read locally (a folder of data files)
    const local = new RowFilesSource(new LocalDataFiles(join(FIXTURES, "stories-split")), charTok, "text", "local");
    expect(await allDocs(local)).toEqual(LINES.slice(100, 160));
  });

  test("Parquet with ZSTD pages and INT64 token lists (as pyarrow writes torch.long ids) reads as token rows", async () => {
    const file = join(FIXTURES, "codecs/zstd-int64.parquet");
    expect(readFileSync(file).includes(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe(true); // zstd frames inside
    const src = new RowFilesSource(new LocalDataFiles(file), charTok, "text", "local");
    const rows: number[][] = [];
    for (let d = await src.nextDoc(); d; d = await src.nextDoc()) rows.push(Array.from(d));
    expect(src.rowsArePrompts).toBe(true);
    expect(rows).toEqual(TOKEN_ROWS);
  });

  test("a truncated Parquet or .gz file is a DatasetError naming the file", async () => {
    hub.truncate.set("org/stories-text/data/train-00000-of-00001.parquet", 5000);
    hub.truncate.set("org/stories-split/train/part-0.jsonl.gz", 800);
    try {
      const pq = openDataset("org/stories-text", { tokenizer: charTok, hub: opts() });
      await expect(allDocs(pq)).rejects.toThrow(/Parquet file .*train-00000-of-00001\.parquet: cannot read .*truncated download\?/);
      const gz = openDataset("org/stories-split", { tokenizer: charTok, hub: opts() });
      const err = await allDocs(gz).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect(err.message).toMatch(/part-0\.jsonl\.gz: (cannot decompress|.*malformed JSON line)/);
    } finally {
      hub.truncate.clear();
    }
  });

  test("a server that stalls mid-dataset is a TimeoutError naming the file, after the earlier files were read", async () => {
    hub.stall.add("org/stories-split/train/part-1.jsonl.zst");
    try {
      const src = openDataset("org/stories-split", { tokenizer: charTok, hub: opts({ timeoutMs: 300, retries: 0 }) });
      const docs: string[] = [];
      const err = await (async () => {
        for (let d = await src.nextDoc(); d; d = await src.nextDoc()) docs.push(decode(d));
      })().catch((e) => e);
      expect(docs).toEqual(LINES.slice(100, 120));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.message).toContain("part-1.jsonl.zst");
    } finally {
      hub.stall.clear();
    }
  }, 30_000);

  test("offline: a cached snapshot is read without the hub; a repo with only a loading script is refused", async () => {
    const o = opts();
    await allDocs(openDataset("org/stories-split", { tokenizer: charTok, hub: o }));
    const before = hub.seen.length;
    const off = new HubDatasetFiles("org/stories-split", { ...o, offline: true });
    expect(await allDocs(new RowFilesSource(off, charTok, "text", "offline"))).toEqual(LINES.slice(100, 160));
    expect(hub.seen.length).toBe(before);
    await expect(new HubDatasetFiles("org/stories-text", { ...opts(), offline: true }).count()).rejects.toThrow("offline (HF_HUB_OFFLINE) and no snapshot");
    hub.extra.set("org/scripted", new Map([["scripted.py", new TextEncoder().encode("import datasets\n")]]));
    await expect(allDocs(openDataset("org/scripted", { tokenizer: charTok, hub: opts() }))).rejects.toThrow(/dataset org\/scripted: only a loading script \(scripted.py\); running it \(dataset_trust_remote_code\) is not supported/);
  });
});
