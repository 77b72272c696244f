// The pretokenized dataset folder `sae pretokenize` writes and training streams (dataset_path = the folder):
//   pretokenized.json  { format: "sae-pretokenized-v1", dtype: "u16" | "u32", context_size, rows, tokenizer_name,
//                        original_dataset, original_column_name, shuffled, seed, begin_batch_token,
//                        begin_sequence_token, sequence_separator_token, disable_concat_sequences }
//                      (SAELens's PretokenizedDatasetMetadata fields, plus format/dtype/rows)
//   tokens.bin         rows x context_size token ids, little-endian u16 (vocabulary <= 65536) or u32, row-major.
// Each row is one prompt, used as it is (no BOS added: the row already holds what pretokenize put there). The
// reader streams the file 256 rows at a time; the writer shuffles rows in memory (seeded), then writes them.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync } from "node:fs";
import { writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@sae/tensor-core";
import { DatasetError } from "../errors.ts";
import type { TokenSource } from "./sources.ts";

export const PRETOKENIZED_FORMAT = "sae-pretokenized-v1";
const META = "pretokenized.json";
const TOKENS = "tokens.bin";

export interface PretokenizedMetadata {
  format: typeof PRETOKENIZED_FORMAT;
  dtype: "u16" | "u32";
  context_size: number;
  rows: number;
  tokenizer_name: string;
  original_dataset: string;
  original_column_name: string;
  shuffled: boolean;
  seed: number | null;
  begin_batch_token: number | null;
  begin_sequence_token: number | null;
  sequence_separator_token: number | null;
  disable_concat_sequences: boolean;
}

export function isPretokenizedDir(dir: string): boolean {
  return existsSync(join(dir, META));
}

export function readPretokenizedMetadata(dir: string): PretokenizedMetadata {
  const path = join(dir, META);
  let m: PretokenizedMetadata;
  try {
    m = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new DatasetError(`pretokenized dataset ${path}: cannot read (${(e as Error).message})`);
  }
  const bad = (why: string) => new DatasetError(`${path}: ${why}`);
  if (m.format !== PRETOKENIZED_FORMAT) throw bad(`format '${m.format}', expected '${PRETOKENIZED_FORMAT}'`);
  if (m.dtype !== "u16" && m.dtype !== "u32") throw bad(`dtype '${m.dtype}', expected u16 or u32`);
  if (!(Number.isSafeInteger(m.context_size) && m.context_size > 0)) throw bad(`bad context_size ${m.context_size}`);
  return m;
}

/** Writes rows [rows, context_size] (shuffled first when `shuffleSeed` is a number); returns the metadata written. */
export function writePretokenized(
  dir: string,
  rows: Int32Array[],
  meta: Omit<PretokenizedMetadata, "format" | "dtype" | "rows" | "shuffled" | "seed">,
  shuffleSeed: number | null,
): PretokenizedMetadata {
  if (shuffleSeed !== null) {
    const rng = new Rng(shuffleSeed);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  }
  const max = rows.reduce((m, r) => r.reduce((a, b) => Math.max(a, b), m), 0);
  const dtype = max < 65536 ? "u16" : "u32";
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${TOKENS}.partial`);
  const fd = openSync(tmp, "w");
  try {
    for (let at = 0; at < rows.length; at += 4096) {
      const part = rows.slice(at, at + 4096);
      const n = part.length * meta.context_size;
      const buf = dtype === "u16" ? new Uint16Array(n) : new Uint32Array(n);
      part.forEach((r, i) => buf.set(r, i * meta.context_size));
      writeSync(fd, new Uint8Array(buf.buffer));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, TOKENS));
  const full: PretokenizedMetadata = {
    format: PRETOKENIZED_FORMAT,
    dtype,
    rows: rows.length,
    shuffled: shuffleSeed !== null,
    seed: shuffleSeed,
    ...meta,
  };
  writeFileSync(join(dir, META), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** Streams the rows of a pretokenized folder, each one prompt. */
export class PretokenizedSource implements TokenSource {
  readonly description: string;
  readonly rowsArePrompts = true;
  readonly meta: PretokenizedMetadata;
  private readonly path: string;
  private readonly fd: number;
  private readonly rowBytes: number;
  private row = 0;
  private rows: Int32Array[] = [];

  constructor(dir: string, vocabSize = Infinity) {
    this.meta = readPretokenizedMetadata(dir);
    this.path = join(dir, TOKENS);
    this.description = `pretokenized dataset ${dir}`;
    this.rowBytes = this.meta.context_size * (this.meta.dtype === "u16" ? 2 : 4);
    let size: number;
    try {
      size = statSync(this.path).size;
      this.fd = openSync(this.path, "r");
    } catch (e) {
      throw new DatasetError(`${this.description}: cannot open ${this.path} (${(e as Error).message})`);
    }
    if (size !== this.meta.rows * this.rowBytes) {
      const m = this.meta;
      const says = `${m.rows} rows of ${m.context_size} ${m.dtype} tokens (${m.rows * this.rowBytes} bytes)`;
      throw new DatasetError(`${this.path}: ${size} bytes, but ${META} says ${says}; truncated?`);
    }
    this.vocabSize = vocabSize;
  }

  private readonly vocabSize: number;

  nextDoc(): Int32Array | null {
    if (this.rows.length === 0) {
      const n = Math.min(256, this.meta.rows - this.row);
      if (n <= 0) return null;
      const bytes = new Uint8Array(n * this.rowBytes);
      readSync(this.fd, bytes, 0, bytes.length, this.row * this.rowBytes);
      const ids = this.meta.dtype === "u16" ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
      const ctx = this.meta.context_size;
      for (let r = 0; r < n; r++) this.rows.push(Int32Array.from(ids.subarray(r * ctx, (r + 1) * ctx)));
      const bad = ids.findIndex((id) => id >= this.vocabSize);
      if (bad >= 0) {
        const at = this.row + Math.floor(bad / ctx);
        const why = `row ${at} holds id ${ids[bad]}, outside the model's vocabulary [0, ${this.vocabSize})`;
        throw new DatasetError(`${this.description}: ${why} (tokenized for another model?)`);
      }
    }
    this.row++;
    return this.rows.shift()!;
  }

  reset(): void {
    this.row = 0;
    this.rows = [];
  }

  close(): void {
    closeSync(this.fd);
  }
}
