// tokenizer.json tokenizers against ids written by libraries independent of @huggingface/tokenizers
// (scripts/tokenizer_fixtures.py: transformers' slow Python GPT2Tokenizer / Qwen2Tokenizer, Google's sentencepiece).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@sae/tensor-core";
import { Gpt2Tokenizer } from "./gpt2.ts";
import { HfTokenizer } from "./hf_tokenizer.ts";
import { hfTokenizerFromFiles } from "./files.ts";

const DIR = fileURLToPath(new URL("../../fixtures/tokenizers/", import.meta.url));
const KINDS = ["gpt2", "qwen2", "llama3", "llama2_sp", "gemma_sp"] as const;

interface Expected {
  notes: string;
  cases: { text: string; ids: number[] }[];
}

function load(kind: string): { tok: HfTokenizer; expected: Expected } {
  const d = join(DIR, kind);
  const tok = hfTokenizerFromFiles(join(d, "tokenizer.json"), join(d, "tokenizer_config.json"));
  return { tok, expected: JSON.parse(readFileSync(join(d, "expected.json"), "utf8")) };
}

describe("HfTokenizer", () => {
  for (const kind of KINDS) {
    test(`${kind}: ids equal the independent reference on tricky text`, () => {
      const { tok, expected } = load(kind);
      expect(expected.cases.length).toBeGreaterThan(10);
      for (const c of expected.cases) expect({ text: c.text, ids: tok.encode(c.text) }).toEqual(c);
    });

    test(`${kind}: decode(encode(text)) gives the text back`, () => {
      const { tok, expected } = load(kind);
      for (const { text } of expected.cases) {
        // SentencePiece's decoder strips the one space its normalizer prepended; NFC normalises Qwen's input
        const want = kind === "qwen2" ? text.normalize("NFC") : text;
        expect(tok.decode(tok.encode(text))).toBe(want);
      }
    });
  }

  test("the project's own GPT-2 BPE (kept for GPT-2 folders with vocab.json + merges.txt) gives the same ids", () => {
    const { expected } = load("gpt2");
    const json = JSON.parse(readFileSync(join(DIR, "gpt2", "tokenizer.json"), "utf8"));
    const merges = `#version: 0.2\n${(json.model.merges as string[]).join("\n")}\n`;
    const own = Gpt2Tokenizer.fromFiles(json.model.vocab, merges);
    for (const c of expected.cases) expect({ text: c.text, ids: own.encode(c.text) }).toEqual(c);
  });

  test("BOS/EOS come from tokenizer_config.json", () => {
    expect(load("llama2_sp").tok.bosTokenId).toBe(1);
    expect(load("llama2_sp").tok.eosTokenId).toBe(2);
    const l3 = load("llama3").tok;
    expect(l3.bosTokenId).toBe(l3.tokenToId("<|begin_of_text|>")!);
    expect(load("qwen2").tok.bosTokenId).toBeNull();
  });

  test("without tokenizer_config.json, BOS is the special token the post-processor prepends (add_bos_token)", () => {
    const bosOf = (kind: string) => hfTokenizerFromFiles(join(DIR, kind, "tokenizer.json")).bosTokenId;
    expect(bosOf("llama2_sp")).toBe(1); // <s>
    expect(bosOf("llama3")).toBe(556); // <|begin_of_text|>
    expect(bosOf("gpt2")).toBeNull(); // ByteLevel post-processor: adds nothing
  });

  test("a file that is not a tokenizer.json is a FormatError naming it", () => {
    expect(() => new HfTokenizer({ vocab: {} }, {}, "x/tokenizer.json")).toThrow(FormatError);
    expect(() => new HfTokenizer({ vocab: {} }, {}, "x/tokenizer.json")).toThrow(/x\/tokenizer.json/);
  });
});
