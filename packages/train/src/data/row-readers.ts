// Reads the rows of one local dataset file, the way a Hugging Face dataset's data files are laid out:
//   - Parquet (.parquet): read one row group at a time with hyparquet (a file's rows are never all in memory);
//     Snappy, ZSTD (fzstd) and GZIP (fflate) pages; INT64 token ids become numbers;
//   - JSONL (.jsonl, also .jsonl.gz via fflate and .jsonl.zst via fzstd, decompressed as a stream);
//   - text (.txt, also .txt.gz / .txt.zst): every line is a row {text: line}, as `datasets`' text builder does.
// A row is the value of one column: a string (text) or a list of token ids (pretokenized `tokens` / `input_ids`).
// The column is chosen as SAELens does: `tokens`, else `input_ids`, else the text field, else `problem`.
// Not a general Parquet reader: nested columns other than a list of integers are refused naming the column.
import { Gunzip, gunzipSync } from "fflate";
import { Decompress, decompress as zstdDecompress } from "fzstd";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type AsyncBuffer, type Compressors, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { DatasetError } from "../errors.ts";
import { LineReader } from "./line-reader.ts";

export type Row = string | ArrayLike<number>;

export interface RowReader {
  /** The next row's value, or null at the end of the file. */
  next(): Promise<Row | null>;
  /** The column read (`text`, `tokens`, ...), known after the first next(). */
  readonly column: string | null;
  close(): void;
}

const TOKEN_COLUMNS = ["tokens", "input_ids"];

/** SAELens's column choice (activations_store.py): tokens, input_ids, the text field, problem. */
export function pickColumn(names: readonly string[], textField: string, where: string): string {
  for (const c of [...TOKEN_COLUMNS, textField, "problem"]) if (names.includes(c)) return c;
  const has = names.join(", ");
  throw new DatasetError(`${where}: no 'tokens', 'input_ids', '${textField}' or 'problem' column (it has: ${has})`);
}

export function isTokenColumn(column: string): boolean {
  return TOKEN_COLUMNS.includes(column);
}

function checkValue(v: unknown, column: string, where: string): Row {
  if (typeof v === "string") {
    if (isTokenColumn(column)) throw new DatasetError(`${where}: column '${column}' holds text, expected token ids`);
    return v;
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (!(typeof x === "number" && Number.isInteger(x) && x >= 0) && typeof x !== "bigint") {
        const what = `holds ${JSON.stringify(x)} at index ${i}`;
        throw new DatasetError(`${where}: column '${column}' ${what}, expected token ids`);
      }
    }
    return Array.from(a as ArrayLike<number | bigint>, Number);
  }
  const what = v === null ? "null" : typeof v;
  throw new DatasetError(`${where}: column '${column}' holds ${what}, expected text or token ids`);
}

/** Codecs beyond hyparquet's built-in Snappy: ZSTD (fzstd) and GZIP (fflate), common in Hugging Face datasets. */
const COMPRESSORS: Compressors = {
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
  GZIP: (input) => gunzipSync(input),
};

/** A file as hyparquet's AsyncBuffer, read with node:fs (hyparquet's own file reader is not in its browser entry). */
function fileBuffer(fd: number): AsyncBuffer {
  const size = fstatSync(fd).size;
  return {
    byteLength: size,
    slice(start: number, end?: number): ArrayBuffer {
      const out = new Uint8Array((end ?? size) - start);
      readSync(fd, out, 0, out.length, start);
      return out.buffer;
    },
  };
}

/** Parquet: metadata first (a truncated file fails here naming it), then one row group per read. */
export class ParquetRowReader implements RowReader {
  column: string | null = null;
  private readonly path: string;
  private readonly textField: string;
  private fd = -1;
  private file: AsyncBuffer | null = null;
  private groups: { start: number; end: number }[] = [];
  private group = 0;
  private rows: Row[] = [];
  private at = 0;

  constructor(path: string, textField: string) {
    this.path = path;
    this.textField = textField;
  }

  private async open(): Promise<void> {
    try {
      this.fd = openSync(this.path, "r");
      this.file = fileBuffer(this.fd);
      const meta = await parquetMetadataAsync(this.file);
      const names = parquetSchema(meta).children.map((c) => c.element.name);
      this.column = pickColumn(names, this.textField, `Parquet file ${this.path}`);
      let start = 0;
      for (const g of meta.row_groups) {
        const n = Number(g.num_rows);
        this.groups.push({ start, end: start + n });
        start += n;
      }
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(`Parquet file ${this.path}: cannot read (${(e as Error).message}); a truncated download?`);
    }
  }

  async next(): Promise<Row | null> {
    if (!this.file) await this.open();
    while (this.at >= this.rows.length) {
      if (this.group >= this.groups.length) return null;
      const { start, end } = this.groups[this.group++];
      const column = this.column!;
      let objs: Record<string, unknown>[];
      try {
        const range = { rowStart: start, rowEnd: end };
        objs = await parquetReadObjects({ file: this.file!, columns: [column], ...range, compressors: COMPRESSORS });
      } catch (e) {
        const why = (e as Error).message;
        throw new DatasetError(`Parquet file ${this.path}: row group ${this.group - 1} cannot be read (${why})`);
      }
      this.rows = objs.map((o, i) => checkValue(o[column], column, `Parquet file ${this.path}, row ${start + i}`));
      this.at = 0;
    }
    return this.rows[this.at++];
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A streaming decompressor for LineReader: compressed chunk in (null at the end), decompressed chunks out. */
function decompressor(path: string): ((chunk: Uint8Array | null) => Uint8Array[]) | undefined {
  const lower = path.toLowerCase();
  const out: Uint8Array[] = [];
  const fail = (e: unknown) =>
    new DatasetError(`${path}: cannot decompress (${(e as Error).message}); a truncated download?`);
  if (lower.endsWith(".gz")) {
    const g = new Gunzip((d) => out.push(d));
    return (chunk) => {
      try {
        g.push(chunk ?? new Uint8Array(0), chunk === null);
      } catch (e) {
        throw fail(e);
      }
      return out.splice(0);
    };
  }
  if (lower.endsWith(".zst")) {
    let ended = false;
    const z = new Decompress((d, final) => {
      out.push(d);
      if (final) ended = true;
    });
    return (chunk) => {
      try {
        z.push(chunk ?? new Uint8Array(0), chunk === null);
      } catch (e) {
        throw fail(e);
      }
      if (chunk === null && !ended) throw fail(new Error("the stream ends inside a frame"));
      return out.splice(0);
    };
  }
  return undefined;
}

/** JSONL or text lines (optionally .gz/.zst), decompressed while reading. */
export class LineRowReader implements RowReader {
  column: string | null;
  private readonly reader: LineReader;
  private readonly json: boolean;
  private readonly textField: string;

  constructor(path: string, textField: string) {
    this.reader = new LineReader(path, 1 << 20, decompressor(path));
    this.json = /\.jsonl(\.gz|\.zst)?$/i.test(path);
    this.textField = textField;
    this.column = this.json ? null : "text";
  }

  async next(): Promise<Row | null> {
    for (;;) {
      const line = this.reader.nextLine();
      if (line === null) return null;
      if (!this.json) return line;
      if (line.trim() === "") continue;
      const where = `${this.reader.path}:${this.reader.lineNo}`;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new DatasetError(`${where}: malformed JSON line (${(e as Error).message}); a truncated download?`);
      }
      if (typeof obj !== "object" || obj === null) throw new DatasetError(`${where}: expected a JSON object`);
      this.column ??= pickColumn(Object.keys(obj), this.textField, where);
      return checkValue((obj as Record<string, unknown>)[this.column], this.column, where);
    }
  }

  close(): void {
    this.reader.close();
  }
}

/** The row reader for a data file by its extension; null for a file that is not data (README, .gitattributes). */
export function rowReaderFor(path: string, textField: string): RowReader | null {
  const lower = path.toLowerCase().replace(/\.(gz|zst)$/, "");
  if (lower.endsWith(".parquet")) return new ParquetRowReader(path, textField);
  if (/\.(jsonl|txt)$/.test(lower)) return new LineRowReader(path, textField);
  return null;
}

/** Data files in a dataset repo (metadata such as sae_lens.json or dataset_infos.json is not data). */
export const DATA_FILE = /\.(parquet|jsonl|txt)(\.gz|\.zst)?$/i;
