// Token sources: each yields documents as token ids, streaming from disk. Formats:
//   - plain text (.txt or anything else): the file is one document, tokenised in newline-ended pieces of ~64 KiB;
//   - JSONL (.jsonl): one JSON object per line, its `dataset_text_field` is a document; a malformed line is an
//     error naming the file and the line;
//   - token files (is_dataset_tokenized, or .u16/.u32/.tokens): raw little-endian token ids, u16 unless the name
//     ends in .u32; the file is one document (documents are assumed to be already separated by BOS);
//   - Parquet, .jsonl.gz / .jsonl.zst, or a folder of data files: read row by row (file-source.ts);
//   - a folder written by `sae pretokenize` (pretokenized.ts): its rows are the prompts;
//   - a Hugging Face dataset id (owner/name, not a local path): streamed from the hub (hub-dataset.ts);
//   - "bundled:<name>": a bundled corpus (plain text), resolved by the caller (bundledDataset in bundled.ts).
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { DatasetError } from "../errors.ts";
import { LocalDataFiles, RowFilesSource } from "./file-source.ts";
import { HubDatasetFiles, type HubDatasetOptions, looksLikeHubDataset } from "./hub-dataset.ts";
import { LineReader } from "./line-reader.ts";
import { isPretokenizedDir, PretokenizedSource } from "./pretokenized.ts";
import type { TextTokenizer } from "./tokenizer.ts";

export interface TokenSource {
  /** The next document's tokens, or null when the dataset is exhausted (call reset() to start again). */
  nextDoc(): Int32Array | null | Promise<Int32Array | null>;
  reset(): void;
  close(): void;
  readonly description: string;
  /** Documents are separate texts: BOS goes between them when they are concatenated. */
  readonly separateDocs?: boolean;
  /** Each document is one prompt (pretokenized rows): used as it is, truncated to context_size. */
  readonly rowsArePrompts?: boolean;
}

const PIECE_CHARS = 1 << 16;

function encode(tok: TextTokenizer, text: string): Int32Array {
  const ids = tok.encode(text);
  return ids instanceof Int32Array ? ids : Int32Array.from(ids);
}

export class TextSource implements TokenSource {
  private reader: LineReader;
  readonly description: string;
  private readonly path: string;
  private readonly tok: TextTokenizer;

  constructor(path: string, tok: TextTokenizer) {
    this.path = path;
    this.tok = tok;
    this.reader = new LineReader(path);
    this.description = `text file ${path}`;
  }

  nextDoc(): Int32Array | null {
    const piece = this.reader.nextPiece(PIECE_CHARS);
    return piece === null ? null : encode(this.tok, piece);
  }

  reset(): void {
    this.reader.close();
    this.reader = new LineReader(this.path);
  }

  close(): void {
    this.reader.close();
  }
}

export class JsonlSource implements TokenSource {
  readonly separateDocs = true;
  private reader: LineReader;
  readonly description: string;
  private readonly path: string;
  private readonly field: string;
  private readonly tok: TextTokenizer;

  constructor(path: string, tok: TextTokenizer, field: string) {
    this.path = path;
    this.tok = tok;
    this.field = field;
    this.reader = new LineReader(path);
    this.description = `JSONL file ${path} (field '${field}')`;
  }

  nextDoc(): Int32Array | null {
    for (;;) {
      const line = this.reader.nextLine();
      if (line === null) return null;
      if (line.trim() === "") continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new DatasetError(`${this.path}:${this.reader.lineNo}: malformed JSON line (${(e as Error).message})`);
      }
      const text = typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>)[this.field] : undefined;
      if (typeof text !== "string") {
        throw new DatasetError(`${this.path}:${this.reader.lineNo}: expected an object with a string field '${this.field}'`);
      }
      return encode(this.tok, text);
    }
  }

  reset(): void {
    this.reader.close();
    this.reader = new LineReader(this.path);
  }

  close(): void {
    this.reader.close();
  }
}

/** Raw little-endian token ids, read in chunks of `chunkTokens`; each chunk is returned as a "document". */
export class TokenFileSource implements TokenSource {
  readonly description: string;
  private readonly path: string;
  private readonly width: 2 | 4;
  private fd: number;
  private pos = 0;
  private readonly size: number;
  private readonly chunkTokens: number;
  private readonly vocabSize: number;

  constructor(path: string, width: 2 | 4, chunkTokens = 1 << 16, vocabSize = Infinity) {
    this.path = path;
    this.vocabSize = vocabSize;
    this.width = width;
    this.chunkTokens = chunkTokens;
    try {
      this.size = statSync(path).size;
      this.fd = openSync(path, "r");
    } catch (e) {
      throw new DatasetError(`dataset ${path}: cannot open (${(e as Error).message})`);
    }
    if (this.size % width !== 0) throw new DatasetError(`token file ${path}: ${this.size} bytes is not a whole number of u${width * 8} tokens`);
    this.description = `token file ${path} (u${width * 8})`;
  }

  nextDoc(): Int32Array | null {
    const left = this.size - this.pos;
    if (left <= 0) return null;
    const bytes = new Uint8Array(Math.min(left, this.chunkTokens * this.width));
    readSync(this.fd, bytes, 0, bytes.length, this.pos);
    this.pos += bytes.length;
    const ids = this.width === 2 ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
    const bad = ids.findIndex((id) => id >= this.vocabSize);
    if (bad >= 0) {
      const at = (this.pos - bytes.length) / this.width + bad;
      const hint = "a file tokenized for another model, or u16/u32 mixed up?";
      throw new DatasetError(`${this.description}: token ${at} is id ${ids[bad]}, outside the model's vocabulary [0, ${this.vocabSize}) (${hint})`);
    }
    return Int32Array.from(ids);
  }

  reset(): void {
    this.pos = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface OpenDatasetOptions {
  tokenizer: TextTokenizer;
  isTokenized?: boolean;
  textField?: string;
  /** Resolves "bundled:<name>" to a file path (bundledDataset, or the caller's own). */
  bundled?: (name: string) => string;
  /** Where and how a hub dataset id is fetched. */
  hub?: HubDatasetOptions;
}

/** Picks the source for a dataset path by its prefix/extension (see the file comment). */
export function openDataset(path: string, opts: OpenDatasetOptions): TokenSource {
  if (path.startsWith("bundled:")) {
    const name = path.slice("bundled:".length);
    if (!opts.bundled) throw new DatasetError(`dataset ${path}: no bundled datasets are available here`);
    return new TextSource(opts.bundled(name), opts.tokenizer);
  }
  const field = opts.textField ?? "text";
  if (!existsSync(path) && looksLikeHubDataset(path)) {
    const files = new HubDatasetFiles(path, opts.hub);
    return new RowFilesSource(files, opts.tokenizer, field, `hub dataset ${path}`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (isPretokenizedDir(path)) return new PretokenizedSource(path, opts.tokenizer.vocabSize);
    return new RowFilesSource(new LocalDataFiles(path), opts.tokenizer, field, `dataset folder ${path}`);
  }
  const lower = path.toLowerCase();
  if (/\.parquet$|\.(jsonl|txt)\.(gz|zst)$/.test(lower)) {
    if (!existsSync(path)) throw new DatasetError(`dataset ${path}: cannot open (no such file)`);
    return new RowFilesSource(new LocalDataFiles(path), opts.tokenizer, field, `dataset file ${path}`);
  }
  if (opts.isTokenized || /\.(u16|u32|tokens)$/.test(lower)) {
    return new TokenFileSource(path, lower.endsWith(".u32") ? 4 : 2, undefined, opts.tokenizer.vocabSize);
  }
  if (lower.endsWith(".jsonl")) return new JsonlSource(path, opts.tokenizer, field);
  return new TextSource(path, opts.tokenizer);
}
