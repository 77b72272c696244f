// Working on tensors larger than one storage binding (device.maxBinding): block sizes whose row views start at
// aligned byte offsets, and copyWindow, a strided copy of a [rows, cols] window between matrices whose bound
// ranges each fit one binding. Ops call these only when a tensor is over the limit, so a device whose bindings
// hold everything never splits anything. Not an op of its own: see matmul_blocks.ts, topk.ts, fill.ts, binary.ts.
import { params, type Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import source from "./copy_block.wgsl" with { type: "text" };

/** Block sizes step by 64 rows: 64 rows of 4-byte elements span a multiple of 256 bytes, the largest
 * minStorageBufferOffsetAlignment WebGPU allows, so every block's row view starts aligned. */
export const BLOCK_STEP = 64;

const kernel = { name: "copy_block", source };

/** Whether any tensor is larger than one binding on its device. */
export function overBinding(device: Device, ...ts: Array<Tensor | undefined>): boolean {
  return ts.some((t) => t !== undefined && t.byteLength > device.maxBinding);
}

/** Rows per block (a multiple of `step`, BLOCK_STEP unless the caller knows a finer one keeps its views aligned, or
 * all rows) so that rows * each of rowBytes fits in one binding. */
export function rowsPerBlock(device: Device, op: string, rows: number, rowBytes: number[], step = BLOCK_STEP): number {
  const widest = Math.max(...rowBytes, 1);
  if (rows * widest <= device.maxBinding) return rows;
  const fit = Math.floor(device.maxBinding / widest / step) * step;
  if (fit < step) {
    const need = `${step} rows of ${widest} bytes`;
    throw new LimitError(`${op}: ${need} do not fit one binding of ${device.maxBinding} bytes on ${device.describe()}`);
  }
  return fit;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

/** The fewest rows whose bytes are a multiple of the offset alignment in every tensor with these row bytes (2 for
 * rows of 128 bytes, 64 for rows of 4): blocks of a multiple of it start every row view aligned. */
export function alignedStep(device: Device, rowBytes: number[]): number {
  const align = device.limits.minStorageBufferOffsetAlignment;
  return rowBytes.reduce((s, b) => lcm(s, align / gcd(b, align)), 1);
}

/** [start, end) of each block of `block` over n. */
export function ranges(n: number, block: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += block) out.push([s, Math.min(n, s + block)]);
  return out;
}

/** A window: rows x cols elements at (r0, c0) of a matrix with `stride` elements per row. */
export interface Window {
  r0: number;
  c0: number;
  stride: number;
}

/** The byte range of rows [i0, i1) of a window of `cols` columns, widened down to an aligned start. */
function span(t: Tensor, w: Window, i0: number, i1: number, cols: number): { binding: GPUBufferBinding; off: number } {
  const align = t.device.limits.minStorageBufferOffsetAlignment;
  const first = t.byteOffset + ((w.r0 + i0) * w.stride + w.c0) * 4;
  const end = t.byteOffset + ((w.r0 + i1 - 1) * w.stride + w.c0 + cols) * 4;
  const offset = Math.floor(first / align) * align;
  return { binding: { buffer: t.storage, offset, size: end - offset }, off: (first - offset) / 4 };
}

/**
 * dst's window (rows x cols at `to`) = src's window (at `from`); 4-byte elements. Each dispatch copies as many rows
 * as keep both bound ranges within one binding.
 */
export function copyWindow(src: Tensor, from: Window, dst: Tensor, to: Window, rows: number, cols: number): void {
  const device = src.device;
  const align = device.limits.minStorageBufferOffsetAlignment;
  const rowSpan = Math.max(from.stride, to.stride) * 4;
  const room = device.maxBinding - 2 * align - cols * 4;
  if (room < 0) throw new LimitError(`copyWindow: a row of ${cols} elements does not fit one binding of ${device.maxBinding} bytes`);
  const per = Math.max(1, Math.min(rows, Math.floor(room / rowSpan) + 1));
  for (const [i0, i1] of ranges(rows, per)) {
    const s = span(src, from, i0, i1, cols);
    const d = span(dst, to, i0, i1, cols);
    const n = (i1 - i0) * cols;
    device.run(kernel, {
      buffers: [s.binding, d.binding],
      params: params(n, cols, from.stride, s.off, to.stride, d.off),
      workgroups: device.grid(Math.ceil(n / 256)),
    });
  }
}

/** A new [rows, cols] f32 tensor holding src's window at `from`. */
export function takeWindow(src: Tensor, from: Window, rows: number, cols: number): Tensor {
  const out = Tensor.empty(src.device, [rows, cols], "f32", `${src.label} block`);
  copyWindow(src, from, out, { r0: 0, c0: 0, stride: cols }, rows, cols);
  return out;
}

/**
 * Runs an op that works row by row in blocks of out's first dimension when out or an input is over one binding:
 * inputs with out's rank and leading extent (or those `cuts` marks) are cut the same way, the rest (broadcast
 * along it) are bound whole. `run` gets the block views in the same order. False (nothing run) when all fits.
 */
export function byRows(
  op: string,
  out: Tensor,
  inputs: Tensor[],
  run: (out: Tensor, inputs: Tensor[]) => void,
  cuts?: boolean[],
): boolean {
  const device = out.device;
  if (!overBinding(device, out, ...inputs)) return false;
  const R = out.shape[0];
  const cut = cuts ?? inputs.map((t) => R > 1 && t.shape.length === out.shape.length && t.shape[0] === R);
  inputs.forEach((t, i) => {
    if (!cut[i] && t.byteLength > device.maxBinding) {
      throw new LimitError(`${op}: ${t.label} ${fmt(t.shape)} cannot be split with out ${fmt(out.shape)}`);
    }
  });
  const rowBytes = [out, ...inputs.filter((_, i) => cut[i])].map((t) => t.byteLength / R);
  for (const [r0, r1] of ranges(R, rowsPerBlock(device, op, R, rowBytes, alignedStep(device, rowBytes)))) {
    run(out.rows(r0, r1), inputs.map((t, i) => (cut[i] ? t.rows(r0, r1) : t)));
  }
  return true;
}

/**
 * byRows for elementwise ops whose [C] inputs broadcast along the rows: a single row (out [..., 1, C] or [C]) over
 * one binding goes in blocks of columns instead, cutting every input of C elements with it (the rest bound whole).
 * Not for ops that work along a row (softmax, row sums): a block of a row is not a row.
 */
export function byElements(op: string, out: Tensor, inputs: Tensor[], run: (out: Tensor, inputs: Tensor[]) => void): boolean {
  const C = out.shape[out.shape.length - 1] ?? 1;
  if (out.size !== C || C <= 1) return byRows(op, out, inputs, run);
  const device = out.device;
  if (!overBinding(device, out, ...inputs)) return false;
  for (const t of inputs) {
    if (t.size !== C && t.byteLength > device.maxBinding) throw new LimitError(`${op}: ${t.label} ${fmt(t.shape)} cannot be split with out ${fmt(out.shape)}`);
  }
  const cut = (t: Tensor, c0: number, c1: number) => (t.size === C ? t.reshape([C]).rows(c0, c1).reshape([...t.shape.slice(0, -1), c1 - c0]) : t);
  for (const [c0, c1] of ranges(C, rowsPerBlock(device, op, C, [4]))) run(cut(out, c0, c1), inputs.map((t) => cut(t, c0, c1)));
  return true;
}
