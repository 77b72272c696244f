// PackedMatrix: a [rows, cols] weight matrix held on the device as 32-bit words in row chunks: f32 (one word per
// value), or f16 / bf16 (two values per word, the even column in the low half; an odd last column is padded). Chunks
// of whole rows each fit one storage binding, so a matrix larger than maxStorageBufferBindingSize (Gemma 2's
// 256k x 2304 embedding) still works. Read by matmulPacked and embeddingPacked only; the kernels unpack to f32 with
// core WGSL (unpack2x16float, bit shifts), so half weights need no shader-f16 and the arithmetic stays f32.
// Not a general Tensor (no elementwise ops run on it).
import type { Device } from "./device.ts";
import { LimitError, ShapeError } from "./errors.ts";
import { bf16ToF32Array, f16ToF32Array, f32ToBf16Array, f32ToF16Array } from "./io/half.ts";
import { fmt } from "./shape.ts";
import { Tensor } from "./tensor.ts";

export type PackedFormat = "f32" | "f16" | "bf16";

/** Kernel code of each format (the FORMAT override of the packed kernels). */
export const FORMAT_CODE = { f32: 0, f16: 1, bf16: 2 } as const satisfies Record<PackedFormat, number>;

export interface PackedChunk {
  row0: number; // first row held
  rows: number;
  words: Tensor<"u32">; // [rows, rowWords]
}

export interface PackOptions {
  label?: string;
  /** Most bytes per chunk (default: device.maxBinding, the adapter's binding limit or a test's cap); tests force small chunks. */
  maxChunkBytes?: number;
}

/** Words per row: cols for f32, ceil(cols / 2) for halves. */
export function rowWords(format: PackedFormat, cols: number): number {
  return format === "f32" ? cols : Math.ceil(cols / 2);
}

/** Host f32 values [rows, cols] -> the words of one chunk's rows, rounded to the format (round to nearest even). */
export function packRows(
  format: PackedFormat,
  data: Float32Array,
  cols: number,
  row0: number,
  rows: number,
): Uint32Array {
  const part = data.subarray(row0 * cols, (row0 + rows) * cols);
  if (format === "f32") return new Uint32Array(part.slice().buffer);
  const halves = format === "f16" ? f32ToF16Array(part) : f32ToBf16Array(part);
  const w = rowWords(format, cols);
  const out = new Uint16Array(rows * w * 2); // little-endian: half 2j is the low half of word j
  for (let r = 0; r < rows; r++) out.set(halves.subarray(r * cols, (r + 1) * cols), r * w * 2);
  return new Uint32Array(out.buffer);
}

/** The f32 values [rows, cols] that the words of `packRows` hold. */
export function unpackRows(format: PackedFormat, words: Uint32Array, cols: number, rows: number): Float32Array {
  if (format === "f32") return new Float32Array(words.slice().buffer);
  const w = rowWords(format, cols);
  const halves = new Uint16Array(words.buffer, words.byteOffset, words.length * 2);
  const out = new Float32Array(rows * cols);
  const toF32 = format === "f16" ? f16ToF32Array : bf16ToF32Array;
  for (let r = 0; r < rows; r++) out.set(toF32(halves.subarray(r * w * 2, r * w * 2 + cols)), r * cols);
  return out;
}

export class PackedMatrix {
  readonly device: Device;
  readonly shape: readonly [number, number];
  readonly format: PackedFormat;
  readonly chunks: readonly PackedChunk[];
  readonly label: string;

  private constructor(
    device: Device,
    shape: [number, number],
    format: PackedFormat,
    chunks: PackedChunk[],
    label: string,
  ) {
    this.device = device;
    this.shape = shape;
    this.format = format;
    this.chunks = chunks;
    this.label = label;
  }

  /** Uploads host f32 values [rows, cols], rounded to `format`, in chunks of rows that each fit one binding. */
  static upload(
    device: Device,
    shape: readonly number[],
    data: Float32Array,
    format: PackedFormat,
    opts: PackOptions = {},
  ): PackedMatrix {
    const label = opts.label ?? "packed";
    if (shape.length !== 2 || data.length !== shape[0] * shape[1]) {
      const what = `${data.length} values for shape ${fmt(shape)}`;
      throw new ShapeError(`PackedMatrix(${label}): ${what} (must be [rows, cols])`);
    }
    const [rows, cols] = shape;
    const rowBytes = rowWords(format, cols) * 4;
    const maxBytes = opts.maxChunkBytes ?? device.maxBinding;
    const perChunk = Math.floor(maxBytes / rowBytes);
    if (perChunk < 1) {
      const row = `one row of ${fmt(shape)} ${format} is ${rowBytes} bytes`;
      throw new LimitError(`PackedMatrix(${label}): ${row}, over the binding limit ${maxBytes}`);
    }
    const chunks: PackedChunk[] = [];
    for (let row0 = 0; row0 < rows; row0 += perChunk) {
      const n = Math.min(perChunk, rows - row0);
      const packed = packRows(format, data, cols, row0, n);
      const words = Tensor.from<"u32">(device, [n, rowWords(format, cols)], packed, `${label}[${row0}:]`);
      chunks.push({ row0, rows: n, words });
    }
    return new PackedMatrix(device, [rows, cols], format, chunks, label);
  }

  /** Bytes on the device (all chunks). */
  get byteLength(): number {
    return this.chunks.reduce((s, c) => s + c.words.byteLength, 0);
  }

  /** The values as f32 [rows, cols] on the host (halves widened exactly). */
  async read(): Promise<Float32Array> {
    const [, cols] = this.shape;
    const out = new Float32Array(this.shape[0] * cols);
    for (const c of this.chunks) out.set(unpackRows(this.format, await c.words.read(), cols, c.rows), c.row0 * cols);
    return out;
  }

  dispose(): void {
    for (const c of this.chunks) c.words.dispose();
  }
}
