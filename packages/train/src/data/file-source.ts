// A token source over a list of data files read row by row (row-readers.ts): a Hugging Face dataset streamed from
// the hub (hub-dataset.ts), or local Parquet / JSONL(.gz|.zst) files (one file, or a folder of them). Text rows are
// tokenized on the fly, one document each (BOS between them, as SAELens's sequence separator); rows of a `tokens` /
// `input_ids` column are used as they are, each one prompt (truncated to context_size, as SAELens does).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatasetError } from "../errors.ts";
import { DATA_FILE, type RowReader, rowReaderFor } from "./row-readers.ts";
import type { TokenSource } from "./sources.ts";
import type { TextTokenizer } from "./tokenizer.ts";

/** Where the files come from: a hub listing (downloaded on demand) or local paths. */
export interface DataFiles {
  count(): Promise<number>;
  name(i: number): string;
  path(i: number): Promise<string>;
}

/** One local data file, or every data file in a folder (sorted, recursively). */
export class LocalDataFiles implements DataFiles {
  private readonly files: string[];

  constructor(path: string) {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d).sort()) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (DATA_FILE.test(name)) files.push(p);
      }
    };
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
    if (files.length === 0) {
      throw new DatasetError(`dataset ${path}: the folder holds no .parquet, .jsonl[.gz|.zst] or .txt files`);
    }
    this.files = files;
  }

  async count(): Promise<number> {
    return this.files.length;
  }

  name(i: number): string {
    return this.files[i];
  }

  async path(i: number): Promise<string> {
    return this.files[i];
  }
}

export class RowFilesSource implements TokenSource {
  readonly description: string;
  readonly separateDocs = true;
  /** True once a row of token ids was read: each row is a prompt. */
  rowsArePrompts = false;
  private readonly files: DataFiles;
  private readonly tok: TextTokenizer;
  private readonly textField: string;
  private reader: RowReader | null = null;
  private file = 0;

  constructor(files: DataFiles, tok: TextTokenizer, textField: string, description: string) {
    this.files = files;
    this.tok = tok;
    this.textField = textField;
    this.description = description;
  }

  async nextDoc(): Promise<Int32Array | null> {
    for (;;) {
      if (!this.reader) {
        if (this.file >= (await this.files.count())) return null;
        const path = await this.files.path(this.file);
        const reader = rowReaderFor(path, this.textField);
        if (!reader) throw new DatasetError(`${this.description}: ${this.files.name(this.file)} is not a data file`);
        this.reader = reader;
      }
      const row = await this.reader.next();
      if (row === null) {
        this.reader.close();
        this.reader = null;
        this.file++;
        continue;
      }
      if (typeof row === "string") {
        const ids = this.tok.encode(row);
        return ids instanceof Int32Array ? ids : Int32Array.from(ids);
      }
      this.rowsArePrompts = true;
      const ids = Int32Array.from(row);
      const vocab = this.tok.vocabSize ?? Infinity;
      const bad = ids.findIndex((id) => id >= vocab);
      if (bad >= 0) {
        const where = `${this.description}, ${this.files.name(this.file)}, column '${this.reader.column}'`;
        const why = `token id ${ids[bad]} is outside the model's vocabulary [0, ${vocab})`;
        throw new DatasetError(`${where}: ${why} (tokenized for another model?)`);
      }
      return ids;
    }
  }

  reset(): void {
    this.reader?.close();
    this.reader = null;
    this.file = 0;
  }

  close(): void {
    this.reader?.close();
    this.reader = null;
  }
}
