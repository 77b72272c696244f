// Trains a byte-level BPE vocabulary (GPT-2 style: the same pre-token regex and byte-to-unicode alphabet) on a text
// file and writes Hugging Face vocab.json + merges.txt, plus the corpus tokenised as little-endian u16 ids.
// A dev script, not part of the library. Usage:
//   bun packages/transformer/scripts/train_bpe.ts <input.txt> <out-dir> [vocab-size=2048] [tokens-out.bin]
// Vocabulary: ids 0..255 are the 256 byte symbols in GPT-2's order, then one id per merge, and the last id is
// <|endoftext|> (GPT-2's BOS/EOS). Ties between equally frequent pairs go to the pair seen first.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GPT2_PRETOKEN_PATTERN } from "../src/tokenizer/bpe.ts";

const PRETOKEN = GPT2_PRETOKEN_PATTERN;
const EOT = "<|endoftext|>";

/** GPT-2's reversible map from bytes to printable unicode characters, in GPT-2's vocabulary order. */
function byteAlphabet(): { order: number[]; char: string[] } {
  const order: number[] = [];
  for (let b = 33; b <= 126; b++) order.push(b);
  for (let b = 161; b <= 172; b++) order.push(b);
  for (let b = 174; b <= 255; b++) order.push(b);
  const char: string[] = new Array(256);
  for (const b of order) char[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (char[b] === undefined) {
      char[b] = String.fromCharCode(256 + n++);
      order.push(b);
    }
  }
  return { order, char };
}

interface Word {
  ids: number[];
  count: number;
}

const key = (a: number, b: number) => a * 65536 + b;

function countPairs(words: Word[]): Map<number, number> {
  const pairs = new Map<number, number>();
  for (const w of words) for (let i = 0; i + 1 < w.ids.length; i++) {
    const k = key(w.ids[i], w.ids[i + 1]);
    pairs.set(k, (pairs.get(k) ?? 0) + w.count);
  }
  return pairs;
}

function mergeWord(ids: number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(ids[i]);
  }
  return out;
}

function train(text: string, vocabSize: number) {
  const { order, char } = byteAlphabet();
  const byteId = new Array<number>(256);
  order.forEach((b, i) => (byteId[b] = i));
  const tokens: string[] = order.map((b) => char[b]);
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(PRETOKEN)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const words: Word[] = [...counts].map(([w, count]) => ({ ids: [...enc.encode(w)].map((b) => byteId[b]), count }));
  const pairs = countPairs(words);
  const merges: Array<[number, number]> = [];
  while (tokens.length < vocabSize - 1) {
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairs) if (c > bestCount) [best, bestCount] = [k, c];
    if (best < 0 || bestCount < 2) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const id = tokens.length;
    tokens.push(tokens[a] + tokens[b]);
    merges.push([a, b]);
    for (const w of words) {
      if (!w.ids.some((x, i) => x === a && w.ids[i + 1] === b)) continue;
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = key(w.ids[i], w.ids[i + 1]);
        pairs.set(k, pairs.get(k)! - w.count);
      }
      w.ids = mergeWord(w.ids, a, b, id);
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = key(w.ids[i], w.ids[i + 1]);
        pairs.set(k, (pairs.get(k) ?? 0) + w.count);
      }
    }
    for (const [k, c] of pairs) if (c <= 0) pairs.delete(k);
  }
  tokens.push(EOT);
  return { tokens, merges, byteId };
}

/** Encodes text with the trained merges (lowest rank first), caching each distinct pre-token. */
function encode(text: string, merges: Array<[number, number]>, byteId: number[]): number[] {
  const rank = new Map<number, number>();
  merges.forEach(([a, b], r) => rank.set(key(a, b), r));
  const enc = new TextEncoder();
  const cache = new Map<string, number[]>();
  const out: number[] = [];
  for (const m of text.matchAll(PRETOKEN)) {
    let ids = cache.get(m[0]);
    if (!ids) {
      ids = [...enc.encode(m[0])].map((b) => byteId[b]);
      for (;;) {
        let bestRank = Infinity;
        let at = -1;
        for (let i = 0; i + 1 < ids.length; i++) {
          const r = rank.get(key(ids[i], ids[i + 1]));
          if (r !== undefined && r < bestRank) [bestRank, at] = [r, i];
        }
        if (at < 0) break;
        const [a, b] = merges[bestRank];
        ids = mergeWord(ids, a, b, 256 + bestRank);
      }
      cache.set(m[0], ids);
    }
    out.push(...ids);
  }
  return out;
}

const [input, outDir, size = "2048", tokensOut] = Bun.argv.slice(2);
if (!input || !outDir) throw new Error("usage: train_bpe.ts <input.txt> <out-dir> [vocab-size] [tokens-out.bin]");
const text = readFileSync(input, "utf8");
const t0 = performance.now();
const { tokens, merges, byteId } = train(text, Number(size));
mkdirSync(outDir, { recursive: true });
// Written by hand in id order: a JS object would move integer-like keys ("0".."9") to the front.
writeFileSync(join(outDir, "vocab.json"), `{${tokens.map((t, i) => `${JSON.stringify(t)}:${i}`).join(",")}}`);
writeFileSync(join(outDir, "merges.txt"), `#version: 0.2\n${merges.map(([a, b]) => `${tokens[a]} ${tokens[b]}`).join("\n")}\n`);
console.log(`trained ${tokens.length} tokens (${merges.length} merges) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (tokensOut) {
  const ids = encode(text, merges, byteId);
  writeFileSync(tokensOut, new Uint16Array(ids));
  console.log(`encoded ${text.length} chars -> ${ids.length} tokens (${(text.length / ids.length).toFixed(2)} chars/token) -> ${tokensOut}`);
}
