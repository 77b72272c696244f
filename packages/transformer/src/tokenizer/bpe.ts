// Byte-pair encoding core shared by the GPT-2 tokenizer and a BPE trainer: the GPT-2 pre-token split, merges.txt
// parsing, and applying ranked merges to one pre-token (lowest rank first, leftmost first among equals), with a
// priority queue so long unbroken pre-tokens stay O(n log n). Knows nothing about ids or special tokens.
import { FormatError } from "@sae/tensor-core";

/** GPT-2's pre-token pattern: contractions, letter runs, digit runs, other symbols (each with one optional leading space), whitespace. */
export const GPT2_PRETOKEN_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits text into GPT-2 pre-tokens; their concatenation is the text. */
export function gpt2PreTokenize(text: string): string[] {
  return text.match(GPT2_PRETOKEN_PATTERN) ?? [];
}

/** Splits text around the given special tokens (longest first when they overlap): ordinary text and specials alternate. */
export function splitOnSpecial(text: string, specials: readonly string[]): { text: string; special: boolean }[] {
  if (specials.length === 0 || text.length === 0) return text.length ? [{ text, special: false }] : [];
  const escaped = [...specials].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(escaped.join("|"), "g");
  const out: { text: string; special: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), special: false });
    out.push({ text: m[0], special: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), special: false });
  return out;
}

/** Key of a merge pair in the rank table. Tokens in merges.txt never contain a space. */
export function pairKey(a: string, b: string): string {
  return `${a} ${b}`;
}

/** merges.txt -> rank table (line order, 0 first). Skips a leading "#version" line and blank lines. */
export function parseMerges(text: string, file = "merges.txt"): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line === "" || (i === 0 && line.startsWith("#version"))) continue;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new FormatError(`${file} line ${i + 1}: expected two space-separated tokens, got ${JSON.stringify(line)}`);
    }
    const key = pairKey(parts[0], parts[1]);
    if (!ranks.has(key)) ranks.set(key, ranks.size);
  }
  return ranks;
}

/**
 * Applies ranked merges to the symbols of one pre-token: repeatedly merge the lowest-ranked adjacent pair (leftmost
 * first among equals), as Hugging Face's Rust tokenizer does. For any trained merges file (a merge ranks after the
 * merges that made its parts) this equals GPT-2's reference loop "merge every occurrence of the best pair, repeat".
 */
export function bpeMerge(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  const n = symbols.length;
  if (n < 2) return [...symbols];
  const sym: (string | null)[] = [...symbols];
  const next = new Int32Array(n).map((_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = new Int32Array(n).map((_, i) => i - 1);
  const heap = new PairHeap();
  const push = (i: number) => {
    const j = next[i];
    if (j < 0) return;
    const r = ranks.get(pairKey(sym[i]!, sym[j]!));
    if (r !== undefined) heap.push(r, i, sym[i]!, sym[j]!);
  };
  for (let i = 0; i + 1 < n; i++) push(i);
  for (let top = heap.pop(); top; top = heap.pop()) {
    const i = top.pos;
    const j = next[i];
    if (sym[i] !== top.left || j < 0 || sym[j] !== top.right) continue; // stale entry
    sym[i] = top.left + top.right;
    sym[j] = null;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) push(prev[i]);
    push(i);
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(sym[i]!);
  return out;
}

interface PairEntry {
  rank: number;
  pos: number;
  left: string;
  right: string;
}

/** Binary min-heap on (rank, pos). */
class PairHeap {
  private readonly items: PairEntry[] = [];

  push(rank: number, pos: number, left: string, right: string): void {
    const a = this.items;
    a.push({ rank, pos, left, right });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): PairEntry | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(x: PairEntry, y: PairEntry): boolean {
  return x.rank < y.rank || (x.rank === y.rank && x.pos < y.pos);
}
