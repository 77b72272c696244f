// Streams a text file as lines (or as newline-ended pieces of about `chunkBytes`), reading it in fixed-size chunks
// so a huge dataset never sits in memory whole. Synchronous: the store pulls lines as it needs them. An optional
// `transform` decompresses the bytes as they are read (gzip, zstd: row-readers.ts); it gets null at the file's end.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { DatasetError } from "../errors.ts";

export class LineReader {
  readonly path: string;
  private fd: number;
  private decoder = new TextDecoder("utf-8");
  private chunk: Uint8Array;
  private pending = "";
  private eof = false;
  private pos = 0;
  /** 1-based number of the last line returned by nextLine(). */
  lineNo = 0;

  private readonly transform: ((chunk: Uint8Array | null) => Uint8Array[]) | undefined;

  constructor(path: string, chunkBytes = 1 << 20, transform?: (chunk: Uint8Array | null) => Uint8Array[]) {
    this.path = path;
    this.transform = transform;
    try {
      if (!statSync(path).isFile()) throw new Error("not a regular file");
      this.fd = openSync(path, "r");
    } catch (e) {
      throw new DatasetError(`dataset ${path}: cannot open (${(e as Error).message})`);
    }
    this.chunk = new Uint8Array(chunkBytes);
  }

  private fill(): boolean {
    if (this.eof) return false;
    const n = readSync(this.fd, this.chunk, 0, this.chunk.length, this.pos);
    this.pos += n;
    if (n === 0) {
      this.eof = true;
      for (const d of this.transform?.(null) ?? []) this.pending += this.decoder.decode(d, { stream: true });
      this.pending += this.decoder.decode();
      return false;
    }
    const raw = this.chunk.subarray(0, n);
    for (const d of this.transform ? this.transform(raw.slice()) : [raw]) {
      this.pending += this.decoder.decode(d, { stream: true });
    }
    return true;
  }

  /** The next line without its newline, or null at the end of the file. */
  nextLine(): string | null {
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        this.lineNo++;
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
      if (!this.fill()) {
        if (this.pending.length === 0) return null;
        const line = this.pending;
        this.pending = "";
        this.lineNo++;
        return line;
      }
    }
  }

  /** The next piece of text of at least `minChars` characters ending at a newline (or the file's end), or null. */
  nextPiece(minChars: number): string | null {
    for (;;) {
      const nl = this.pending.length >= minChars ? this.pending.indexOf("\n", minChars - 1) : -1;
      if (nl >= 0) {
        const piece = this.pending.slice(0, nl + 1);
        this.pending = this.pending.slice(nl + 1);
        return piece;
      }
      if (!this.fill()) {
        if (this.pending.length === 0) return null;
        const piece = this.pending;
        this.pending = "";
        return piece;
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
