// The activation cache file (.sae-acts): lets a second run with the same model/hook/data skip the model.
// Layout (all integers little-endian u32):
//   bytes 0..7   magic "SAEACTS1"
//   u32          byte length H of the JSON header, then H bytes of UTF-8 JSON:
//                { model_name, hook_name, d_in, context_size, dtype: "f32"|"f16", prepend_bos, dataset_path }
//   blocks, until the end of the file, each:
//     u32 rows, u32 raw byte length (rows * d_in * 2|4), u32 stored byte length, then the stored bytes:
//     deflate-compressed (fflate) when stored < raw, else the raw rows (f32 or f16 bit patterns).
// The writer stores rows raw: deflate saved ~9% on f32 activations, but fflate inflates at 10-30 MB/s here, so reading
// a compressed cache ran ~100x slower than reading the file (bench/e2e.ts). Compressed blocks still read.
// One block is one model batch's activations (after BOS/pad exclusion), in the order the model produced them.
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { inflateSync } from "fflate";
import { f16BitsToNumber, FormatError, numberToF16Bits } from "@sae/tensor-core";

function toF16(v: Float32Array): Uint16Array {
  const out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = numberToF16Bits(v[i]);
  return out;
}

function fromF16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = f16BitsToNumber(h[i]);
  return out;
}

const MAGIC = "SAEACTS1";

export interface ActivationCacheHeader {
  model_name: string;
  hook_name: string;
  d_in: number;
  context_size: number;
  dtype: "f32" | "f16";
  prepend_bos: boolean;
  dataset_path: string;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Appends blocks to `<path>.partial`; finish() renames it into place so readers never see half a cache. */
export class ActivationCacheWriter {
  readonly path: string;
  private fd: number;
  private readonly header: ActivationCacheHeader;
  rows = 0;
  storedBytes = 0;
  rawBytes = 0;

  constructor(path: string, header: ActivationCacheHeader) {
    this.path = path;
    this.header = header;
    this.fd = openSync(`${path}.partial`, "w");
    const json = new TextEncoder().encode(JSON.stringify(header));
    writeSync(this.fd, new TextEncoder().encode(MAGIC));
    writeSync(this.fd, u32(json.length));
    writeSync(this.fd, json);
  }

  /** rows [n, d_in] */
  append(rows: Float32Array, n: number): void {
    const vals = rows.subarray(0, n * this.header.d_in);
    const raw = this.header.dtype === "f16" ? new Uint8Array(toF16(vals).buffer) : new Uint8Array(vals.buffer, vals.byteOffset, vals.byteLength);
    writeSync(this.fd, u32(n));
    writeSync(this.fd, u32(raw.length));
    writeSync(this.fd, u32(raw.length));
    writeSync(this.fd, raw);
    this.rows += n;
    this.rawBytes += raw.length;
    this.storedBytes += raw.length;
  }

  finish(): void {
    closeSync(this.fd);
    renameSync(`${this.path}.partial`, this.path);
  }

  abort(): void {
    closeSync(this.fd);
  }
}

/** Streams blocks back; cycles to the first block at the end (like the prompt stream's epochs). */
export class ActivationCacheReader {
  readonly path: string;
  readonly header: ActivationCacheHeader;
  private fd: number;
  private readonly dataStart: number;
  private readonly size: number;
  private pos: number;
  blocksRead = 0;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, "r");
    this.size = statSync(path).size;
    const head = this.read(0, 12);
    if (new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC) throw new FormatError(`activation cache ${path}: bad magic (expected ${MAGIC})`);
    const h = new DataView(head.buffer).getUint32(8, true);
    try {
      this.header = JSON.parse(new TextDecoder().decode(this.read(12, h)));
    } catch (e) {
      throw new FormatError(`activation cache ${path}: header is not JSON (${(e as Error).message})`);
    }
    this.dataStart = this.pos = 12 + h;
    if (this.dataStart >= this.size) throw new FormatError(`activation cache ${path}: holds no blocks`);
  }

  private read(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const got = readSync(this.fd, out, 0, n, at);
    if (got !== n) throw new FormatError(`activation cache ${this.path}: truncated at byte ${at} (wanted ${n}, got ${got})`);
    return out;
  }

  /** True after the last block (the next nextBlock() starts over). */
  get atEnd(): boolean {
    return this.pos >= this.size;
  }

  /** The next block's rows [rows, d_in] as f32. */
  nextBlock(): { rows: number; data: Float32Array } {
    if (this.pos >= this.size) this.pos = this.dataStart;
    const meta = new DataView(this.read(this.pos, 12).buffer);
    const rows = meta.getUint32(0, true);
    const rawLen = meta.getUint32(4, true);
    const storedLen = meta.getUint32(8, true);
    const stored = this.read(this.pos + 12, storedLen);
    this.pos += 12 + storedLen;
    this.blocksRead++;
    const raw = storedLen < rawLen ? inflateSync(stored) : stored;
    if (raw.length !== rawLen) throw new FormatError(`activation cache ${this.path}: block ${this.blocksRead} inflates to ${raw.length} bytes, header says ${rawLen}`);
    // read() and inflateSync give arrays of their own: copy only when one is a view into a larger buffer
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw.buffer : raw.slice().buffer;
    const data = this.header.dtype === "f16" ? fromF16(new Uint16Array(own)) : new Float32Array(own);
    return { rows, data };
  }

  /** Skips n blocks (resume). */
  skip(n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.size) this.pos = this.dataStart;
      const storedLen = new DataView(this.read(this.pos, 12).buffer).getUint32(8, true);
      this.pos += 12 + storedLen;
      this.blocksRead++;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** True when a finished cache exists at path and its header matches what the run would produce. */
export function cacheMatches(path: string, want: ActivationCacheHeader): boolean {
  if (!existsSync(path)) return false;
  const r = new ActivationCacheReader(path);
  r.close();
  const h = r.header;
  const keys = Object.keys(want) as (keyof ActivationCacheHeader)[];
  const diff = keys.filter((k) => h[k] !== want[k]);
  if (diff.length) throw new FormatError(`activation cache ${path} was written for another run: ${diff.map((k) => `${k} ${JSON.stringify(h[k])} != ${JSON.stringify(want[k])}`).join(", ")}`);
  return true;
}
