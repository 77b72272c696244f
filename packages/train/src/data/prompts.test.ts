import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasetError } from "../errors.ts";
import { PromptStream } from "./prompts.ts";
import { JsonlSource, openDataset, TextSource, TokenFileSource } from "./sources.ts";
import type { TextTokenizer } from "./tokenizer.ts";

// One token per character (code point + 1), BOS = 0.
const charTok: TextTokenizer = { encode: (s) => Array.from(s, (c) => c.codePointAt(0)! + 1), bosTokenId: 0 };
const dir = mkdtempSync(join(tmpdir(), "sae-data-"));
const decode = (p: Int32Array) => String.fromCodePoint(...Array.from(p, (t) => t - 1));

describe("prompt stream", () => {
  test("text: BOS + context_size-1 tokens, held-out prompts first, epochs skip them", async () => {
    const f = join(dir, "a.txt");
    writeFileSync(f, "abcdefghij\nklmnopqrst\nuvwxy");
    const s = new PromptStream(new TextSource(f, charTok), { contextSize: 5, prependBos: true, bosTokenId: 0, holdoutPrompts: 1 });
    expect((await s.holdout()).map((p) => Array.from(p))).toEqual([[0, ..."abcd"].map((c) => (c === 0 ? 0 : (c as string).charCodeAt(0) + 1))]);
    const got: Int32Array[] = [];
    for (let i = 0; i < 6; i++) got.push(await s.next());
    expect(got.every((p) => p[0] === 0)).toBe(true);
    expect(got.map((p) => decode(p.subarray(1)))).toEqual(["efgh", "ij\nk", "lmno", "pqrs", "t\nuv", "efgh"]);
    expect(s.epoch).toBe(1);
    expect(s.served).toBe(6);
  });

  test("JSONL: documents separated by BOS; malformed line names file and line", async () => {
    const f = join(dir, "d.jsonl");
    writeFileSync(f, `{"text":"abc"}\n\n{"text":"de"}\n{"text": oops}\n`);
    const s = new PromptStream(new JsonlSource(f, charTok, "text"), { contextSize: 4, prependBos: false, bosTokenId: 0, holdoutPrompts: 0, separateDocs: true });
    expect(Array.from(await s.next())).toEqual([98, 99, 100, 0]);
    await expect(s.next()).rejects.toThrow(`${f}:4: malformed JSON line`);
    const g = join(dir, "e.jsonl");
    writeFileSync(g, `{"body":"abc"}\n`);
    expect(() => new JsonlSource(g, charTok, "text").nextDoc()).toThrow(`${g}:1: expected an object with a string field 'text'`);
  });

  test("a dataset shorter than one batch is a clear error", async () => {
    const f = join(dir, "short.txt");
    writeFileSync(f, "abcdefghijk");
    const s = new PromptStream(new TextSource(f, charTok), { contextSize: 4, prependBos: true, bosTokenId: 0, holdoutPrompts: 1, minTrainPrompts: 4 });
    await s.next();
    await s.next();
    await expect(s.next()).rejects.toThrow(/too short for one batch: it holds 2 training prompts of 4 tokens after the 1 held-out ones; one batch needs 4/);
    const long = new PromptStream(new TextSource(f, charTok), { contextSize: 4, prependBos: true, bosTokenId: 0, holdoutPrompts: 5 });
    await expect(long.holdout()).rejects.toThrow(DatasetError);
  });

  test("token files (u16 / u32) and dataset dispatch", async () => {
    const f16 = join(dir, "t.u16");
    writeFileSync(f16, new Uint8Array(new Uint16Array([5, 6, 7, 65535]).buffer));
    const a = openDataset(f16, { tokenizer: charTok });
    expect(a).toBeInstanceOf(TokenFileSource);
    expect(Array.from((a as TokenFileSource).nextDoc()!)).toEqual([5, 6, 7, 65535]);
    const f32 = join(dir, "t.u32");
    writeFileSync(f32, new Uint8Array(new Uint32Array([70000, 1]).buffer));
    expect(Array.from((await openDataset(f32, { tokenizer: charTok }).nextDoc())!)).toEqual([70000, 1]);
    writeFileSync(join(dir, "odd.u16"), new Uint8Array(3));
    expect(() => openDataset(join(dir, "odd.u16"), { tokenizer: charTok })).toThrow("is not a whole number of u16 tokens");
    expect(() => openDataset(join(dir, "missing.txt"), { tokenizer: charTok })).toThrow(/dataset .*missing.txt: cannot open/);
    expect(() => openDataset("bundled:x", { tokenizer: charTok })).toThrow("no bundled datasets");
  });

  test("large text files are streamed in pieces and tokenised whole", () => {
    const f = join(dir, "big.txt");
    const line = "the quick brown fox jumps over the lazy dog\n";
    writeFileSync(f, line.repeat(5000));
    const src = new TextSource(f, charTok);
    let total = 0;
    let docs = 0;
    for (let d = src.nextDoc(); d; d = src.nextDoc()) {
      total += d.length;
      docs++;
    }
    expect(total).toBe(line.length * 5000);
    expect(docs).toBeGreaterThan(1);
  });
});
