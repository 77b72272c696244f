// topk: the k largest values of each row and their columns, sorted descending (ties: lower column first).
// x [rows, cols] -> values [rows, k] f32, indices [rows, k] i32; 1 <= k <= 256, cols <= 131072.
// The kernel (topk.wgsl) is a threshold select: one pass for a lower bound, one to gather candidates, then a
// rank sort of the few candidates. NaN inputs are not supported. The CPU reference is cpu/topk.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import source from "./topk.wgsl" with { type: "text" };

const kernel = { name: "topk", source };

export const TOPK_MAX_K = 256;
export const TOPK_MAX_COLS = 131072;

export interface TopkOptions {
  values?: Tensor;
  indices?: Tensor;
}

export interface TopkResult {
  values: Tensor<"f32">; // [rows, k]
  indices: Tensor<"i32">; // [rows, k]
}

/** Checks x [rows, cols] and k for topk and its CPU reference; returns rows and cols. */
export function topkDims(op: string, shape: readonly number[], k: number): { rows: number; cols: number } {
  if (shape.length !== 2) throw new ShapeError(`${op}: x must be [rows, cols], got ${fmt(shape)}`);
  const [rows, cols] = shape;
  if (!Number.isInteger(k) || k < 1 || k > TOPK_MAX_K) throw new LimitError(`${op}: k = ${k} must be an integer in 1..${TOPK_MAX_K} (x ${fmt(shape)})`);
  if (k > cols) throw new LimitError(`${op}: k = ${k} is more than the ${cols} columns of x ${fmt(shape)}`);
  if (cols > TOPK_MAX_COLS) throw new LimitError(`${op}: x ${fmt(shape)} has ${cols} columns, over the limit of ${TOPK_MAX_COLS}`);
  return { rows, cols };
}

/** Per-lane accumulators so that the V = 64 * S virtual lanes are about 2k (at least k). */
function accumulators(k: number): number {
  let s = 1;
  while (64 * s < 2 * k && s < 8) s *= 2;
  return s;
}

export function topk(x: Tensor, k: number, opts: TopkOptions = {}): TopkResult {
  const device = deviceOf("topk", x, ...[opts.values, opts.indices].filter((t): t is Tensor => t !== undefined));
  checkDType("topk", "x", x, "f32");
  const { rows, cols } = topkDims("topk", x.shape, k);
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  if (x.byteLength > maxBinding) {
    throw new LimitError(`topk: x ${fmt(x.shape)} is ${x.byteLength} bytes, over maxStorageBufferBindingSize ${maxBinding} on ${device.describe()}; split the rows`);
  }
  const values = output("topk", device, [rows, k], "f32", opts.values);
  const indices = output("topk", device, [rows, k], "i32", opts.indices);
  if (rows === 0) return { values, indices };
  device.run(kernel, {
    buffers: [x.buffer, values.buffer, indices.buffer],
    params: params(rows, cols, k, { f32: -Infinity }),
    workgroups: device.grid(rows),
    overrides: { S: accumulators(k) },
  });
  return { values, indices };
}
