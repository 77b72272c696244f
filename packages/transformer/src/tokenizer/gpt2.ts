// GPT-2 byte-level BPE tokenizer over any Hugging Face-format vocab.json + merges.txt (GPT-2's own, shipped in
// assets/gpt2, or a small trained one). Special tokens (default <|endoftext|>, GPT-2's BOS/EOS) are matched in
// text before pre-tokenisation. Lossless: decode(encode(s)) === s for any well-formed string. Not a chat template,
// and no file reading (gpt2TokenizerFromDir and gpt2Tokenizer in tokenizer/files.ts, @sae/transformer/node).
import { FormatError, LimitError } from "@sae/tensor-core";
import { bpeMerge, gpt2PreTokenize, parseMerges, splitOnSpecial } from "./bpe.ts";
import { byteCharsToBytes, decodeUtf8, textToByteChars } from "./bytes.ts";

export interface Gpt2TokenizerOptions {
  /** Tokens matched verbatim in text (each must be in the vocabulary). Default: ["<|endoftext|>"]. */
  specialTokens?: readonly string[];
  /** BOS/EOS/pad token. Default "<|endoftext|>". */
  eos?: string;
  /** Names used in error messages. */
  vocabFile?: string;
  mergesFile?: string;
}

export interface EncodeOptions {
  /** Match special tokens in the text (default true); false encodes "<|endoftext|>" as ordinary text. */
  allowSpecial?: boolean;
}

const EOT = "<|endoftext|>";
const CACHE_LIMIT = 50_000;

export class Gpt2Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly bosTokenId: number;
  /** GPT-2 has no pad token; like TransformerLens, padding uses EOS. */
  readonly padTokenId: number;
  readonly specialTokens: readonly string[];
  private readonly vocab: Map<string, number>;
  private readonly tokens: string[];
  private readonly special: Set<number>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  private readonly vocabFile: string;

  private constructor(vocab: Map<string, number>, ranks: Map<string, number>, options: Gpt2TokenizerOptions) {
    this.vocabFile = options.vocabFile ?? "vocab.json";
    this.vocab = vocab;
    this.ranks = ranks;
    this.tokens = [];
    for (const [tok, id] of vocab) this.tokens[id] = tok;
    this.vocabSize = this.tokens.length;
    this.specialTokens = [...(options.specialTokens ?? [EOT])];
    this.special = new Set(this.specialTokens.map((t) => this.tokenToId(t)));
    this.eosTokenId = this.tokenToId(options.eos ?? EOT);
    this.bosTokenId = this.eosTokenId;
    this.padTokenId = this.eosTokenId;
  }

  /** From the texts (or a parsed object) of vocab.json and merges.txt. */
  static fromFiles(vocabJson: string | Record<string, number>, mergesTxt: string, options: Gpt2TokenizerOptions = {}): Gpt2Tokenizer {
    const file = options.vocabFile ?? "vocab.json";
    let obj: unknown = vocabJson;
    if (typeof vocabJson === "string") {
      try {
        obj = JSON.parse(vocabJson);
      } catch (e) {
        throw new FormatError(`${file}: not valid JSON (${(e as Error).message})`);
      }
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new FormatError(`${file}: expected an object of token -> id`);
    const vocab = new Map<string, number>();
    const seen = new Set<number>();
    let maxId = -1;
    for (const [tok, id] of Object.entries(obj)) {
      if (!Number.isInteger(id) || id < 0) throw new FormatError(`${file}: token ${JSON.stringify(tok)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
      if (seen.has(id)) throw new FormatError(`${file}: id ${id} is used twice (again by ${JSON.stringify(tok)})`);
      seen.add(id);
      maxId = Math.max(maxId, id);
      vocab.set(tok, id);
    }
    if (seen.size === 0 || maxId !== seen.size - 1) throw new FormatError(`${file}: ids must be 0..${seen.size - 1} without gaps`);
    return new Gpt2Tokenizer(vocab, parseMerges(mergesTxt, options.mergesFile ?? "merges.txt"), options);
  }

  /** Text -> token ids. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const parts = options.allowSpecial === false ? [{ text, special: false }] : splitOnSpecial(text, this.specialTokens);
    for (const part of parts) {
      if (part.special) {
        ids.push(this.vocab.get(part.text)!);
        continue;
      }
      for (const piece of gpt2PreTokenize(part.text)) for (const id of this.encodePiece(piece)) ids.push(id);
    }
    return ids;
  }

  /** Token ids -> the UTF-8 bytes they stand for (special tokens as their text). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const tok = this.idToToken(ids[i]);
      if (this.special.has(ids[i])) for (const b of new TextEncoder().encode(tok)) bytes.push(b);
      else byteCharsToBytes(tok, bytes);
    }
    return new Uint8Array(bytes);
  }

  /** Token ids -> text; byte sequences that are not valid UTF-8 become U+FFFD, as in Hugging Face. */
  decode(ids: ArrayLike<number>): string {
    return decodeUtf8(this.decodeBytes(ids));
  }

  /** The text of one token on its own (for dashboards; a partial UTF-8 character shows as U+FFFD). */
  tokenText(id: number): string {
    return this.decode([id]);
  }

  /** The vocabulary's string for an id (byte-level characters, e.g. "Ġhello"). */
  idToToken(id: number): string {
    const tok = Number.isInteger(id) ? this.tokens[id] : undefined;
    if (tok === undefined) throw new LimitError(`tokenizer: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    return tok;
  }

  tokenToId(token: string): number {
    const id = this.vocab.get(token);
    if (id === undefined) throw new FormatError(`${this.vocabFile}: no token ${JSON.stringify(token)}`);
    return id;
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const chars = textToByteChars(piece);
    const ids = bpeMerge([...chars], this.ranks).map((tok) => {
      const id = this.vocab.get(tok);
      if (id === undefined) throw new FormatError(`${this.vocabFile}: BPE produced ${JSON.stringify(tok)}, which is not in the vocabulary`);
      return id;
    });
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }
}

