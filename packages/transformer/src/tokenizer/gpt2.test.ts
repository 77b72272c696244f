// GPT-2 tokenizer against gpt-tokenizer's r50k_base (GPT-2's encoding) and a naive reference BPE loop.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, LimitError, Rng } from "@sae/tensor-core";
import { encode as r50kEncode } from "gpt-tokenizer/encoding/r50k_base";
import { bpeMerge, gpt2PreTokenize, pairKey, parseMerges, splitOnSpecial } from "./bpe.ts";
import { BYTE_TO_CHAR, textToByteChars } from "./bytes.ts";
import { Gpt2Tokenizer } from "./gpt2.ts";
import { gpt2Tokenizer, gpt2TokenizerFromDir } from "./files.ts";

const EOT = "<|endoftext|>";

/**
 * Reference ids: gpt-tokenizer 4.0.0 only finds special tokens at the start of the text or right after another one
 * (its sticky regex), so the text is split on <|endoftext|> here and each ordinary part encoded by r50k_base.
 */
function reference(text: string): number[] {
  const out: number[] = [];
  text.split(EOT).forEach((part, i) => {
    if (i > 0) out.push(50256);
    out.push(...r50kEncode(part));
  });
  return out;
}

/** The reference BPE loop: merge every occurrence of the lowest-ranked pair, left to right, until none applies. */
function naiveBpe(word: string[], ranks: Map<string, number>): string[] {
  let w = [...word];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < w.length; i++) {
      const r = ranks.get(pairKey(w[i], w[i + 1]));
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) return w;
    const [a, b] = [w[best], w[best + 1]];
    const next: string[] = [];
    for (let i = 0; i < w.length; i++) {
      if (i + 1 < w.length && w[i] === a && w[i + 1] === b) next.push(a + b), i++;
      else next.push(w[i]);
    }
    w = next;
  }
}

const TRICKY = [
  "",
  "Hello world",
  "Café naïve résumé Ångström e\u0301",
  "日本語のテキストと中文，标点！",
  "مرحبا بالعالم",
  "안녕하세요 नमस्ते Привет",
  "  hello\n\n\tworld   ",
  "\n\n\n",
  "   ",
  "a \u00a0 b\r\nc\u2003d",
  "I'm they'll DON'T we've we'd you're it's 'tis",
  "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽🤖",
  "1234567890 3.14159 1,000,000 2024-11-25 ½ ²",
  "function f(x) {\n  return x ** 2; // square\n}\n",
  "def f(x):\n\treturn [i for i in range(x)]  # comment\n",
  "Hello<|endoftext|>world",
  "<|endoftext|><|endoftext|>",
  "a <|endoftext|> b<|endoftext|>",
  "<|endoftext|  <|endoftext",
  "supercalifragilistic".repeat(100),
  "https://example.com/path?q=1&r=%20#frag",
];

describe("GPT-2 tokenizer", () => {
  const tok = gpt2Tokenizer();

  test("vocabulary and special ids", () => {
    expect(tok.vocabSize).toBe(50257);
    expect([tok.eosTokenId, tok.bosTokenId, tok.padTokenId]).toEqual([50256, 50256, 50256]);
    expect(tok.idToToken(50256)).toBe(EOT);
    expect(tok.idToToken(995)).toBe("Ġworld");
    expect(tok.isSpecial(50256)).toBe(true);
    expect(tok.isSpecial(995)).toBe(false);
  });

  test("known ids", () => {
    expect(tok.encode("Hello world")).toEqual([15496, 995]);
    expect(tok.encode("Hello<|endoftext|>world")).toEqual([15496, 50256, 6894]);
    expect(tok.encode("")).toEqual([]);
    expect(tok.encode(EOT, { allowSpecial: false })).toEqual(r50kEncode(EOT, { disallowedSpecial: new Set() }));
    expect(tok.encode(EOT, { allowSpecial: false })).toEqual([27, 91, 437, 1659, 5239, 91, 29]);
  });

  for (const s of TRICKY) {
    test(`same ids as r50k_base and lossless: ${JSON.stringify(s.slice(0, 40))}`, () => {
      const ids = tok.encode(s);
      expect(ids).toEqual(reference(s));
      expect(tok.decode(ids)).toBe(s);
    });
  }

  test("seeded random strings over mixed scripts match r50k_base and round-trip", () => {
    const pool = [..."abcXYZ019 '\n\t.,!?-_ééñüß中文字日本ها😀👍🏽‍️\u0301<|>endoftext", " ", "  ", "'s", "'ll", EOT];
    const rng = new Rng(1234);
    for (let n = 0; n < 300; n++) {
      let s = "";
      const len = Math.floor(rng.next() * 40);
      for (let i = 0; i < len; i++) s += pool[Math.floor(rng.next() * pool.length)];
      const ids = tok.encode(s);
      if (JSON.stringify(ids) !== JSON.stringify(reference(s))) throw new Error(`mismatch on ${JSON.stringify(s)}: ${ids} vs ${reference(s)}`);
      if (tok.decode(ids) !== s) throw new Error(`round trip failed on ${JSON.stringify(s)}`);
    }
  });

  test("partial UTF-8 decodes to U+FFFD like Hugging Face; bytes are exact", () => {
    const ids = tok.encode("👍");
    expect(ids.length).toBeGreaterThan(1);
    expect(tok.decode(ids.slice(0, 1))).toBe("\ufffd");
    expect([...tok.decodeBytes(ids)]).toEqual([0xf0, 0x9f, 0x91, 0x8d]);
    expect(tok.tokenText(995)).toBe(" world");
    expect(() => tok.decode([50257])).toThrow(LimitError);
    expect(() => tok.decode([-1])).toThrow(LimitError);
  });

  test("heap BPE equals the reference merge loop on GPT-2's merges", () => {
    const ranks = (tok as unknown as { ranks: Map<string, number> }).ranks;
    const words = ["Ġsupercalifragilisticexpialidocious", "aaaaaaaaaaaaaaaa", "ĠHello", "Ġantidisestablishmentarianism", textToByteChars(" 日本語"), "ĠĠĠĠĠĠĠĠ", "ababababab"];
    const rng = new Rng(7);
    for (let n = 0; n < 200; n++) {
      let w = "";
      for (let i = 0, len = 1 + Math.floor(rng.next() * 25); i < len; i++) w += "etaoinshrdlĠ"[Math.floor(rng.next() * 12)];
      words.push(w);
    }
    for (const w of words) expect([w, bpeMerge([...w], ranks)]).toEqual([w, naiveBpe([...w], ranks)]);
  });
});

describe("BPE pieces", () => {
  test("pre-token split and special split", () => {
    expect(gpt2PreTokenize("I'm  here!! 42x")).toEqual(["I", "'m", " ", " here", "!!", " 42", "x"]);
    expect(gpt2PreTokenize("")).toEqual([]);
    expect(splitOnSpecial("a<|x|>b<|x|>", ["<|x|>"])).toEqual([
      { text: "a", special: false },
      { text: "<|x|>", special: true },
      { text: "b", special: false },
      { text: "<|x|>", special: true },
    ]);
  });

  test("byte alphabet: 256 distinct printable characters, space is Ġ, newline is Ċ", () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect([BYTE_TO_CHAR[0x20], BYTE_TO_CHAR[0x0a], BYTE_TO_CHAR[0x41]]).toEqual(["Ġ", "Ċ", "A"]);
  });

  test("a small vocabulary from a folder: ids follow the merges, unknown pairs stay bytes", () => {
    const vocab: Record<string, number> = {};
    BYTE_TO_CHAR.forEach((c, i) => (vocab[c] = i));
    const merges = ["h e", "l l", "he ll", "Ġ w", "hell o"];
    merges.forEach((m, i) => (vocab[m.replace(" ", "")] = 256 + i));
    vocab[EOT] = 256 + merges.length;
    const dir = mkdtempSync(join(tmpdir(), "tok-"));
    try {
      writeFileSync(join(dir, "vocab.json"), JSON.stringify(vocab));
      writeFileSync(join(dir, "merges.txt"), `#version: 0.2\n${merges.join("\n")}\n`);
      const small = gpt2TokenizerFromDir(dir);
      expect(small.vocabSize).toBe(262);
      expect(small.eosTokenId).toBe(261);
      const ids = small.encode("hello world<|endoftext|>");
      const want = ["hello", "Ġw", "o", "r", "l", "d"].map((t) => vocab[t]).concat([261]);
      expect(ids).toEqual(want);
      expect(small.decode(ids)).toBe("hello world<|endoftext|>");
      const ranks = parseMerges(merges.join("\n"));
      expect(bpeMerge([..."hellohello"], ranks)).toEqual(naiveBpe([..."hellohello"], ranks));
      expect(() => gpt2TokenizerFromDir(join(dir, "missing"))).toThrow(FormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("malformed files are FormatErrors naming the file and line", () => {
    const vocab = JSON.stringify({ a: 0, b: 1, ab: 2, [EOT]: 3 });
    expect(() => Gpt2Tokenizer.fromFiles(vocab, "a b\nbad line here")).toThrow(/merges.txt line 2/);
    expect(() => Gpt2Tokenizer.fromFiles("{oops", "")).toThrow(FormatError);
    expect(() => Gpt2Tokenizer.fromFiles(JSON.stringify({ a: 0, [EOT]: 2 }), "")).toThrow(/without gaps/);
    expect(() => Gpt2Tokenizer.fromFiles(JSON.stringify({ a: 0 }), "")).toThrow(/no token "<\|endoftext\|>"/);
  });
});
