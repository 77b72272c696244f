// topk: the k largest values of each row and their columns, sorted descending (ties: lower column first).
// x [rows, cols] -> values [rows, k] f32, indices [rows, k] i32; 1 <= k <= 256, cols <= 131072; x larger than one
// binding runs in blocks of rows.
// The kernel (topk.wgsl) is a threshold select, one row per invocation: one pass for a lower bound, one to gather
// candidates, an exact select among them, then a bitonic sort of the k winners. NaN inputs are not supported.
// The CPU reference is cpu/topk.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { rowKernel } from "./row_io.ts";
import { alignedStep, ranges, rowsPerBlock } from "./blocks.ts";
import source from "./topk.wgsl" with { type: "text" };

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

/** Rows per workgroup of topk.wgsl (one invocation per row). */
export const TOPK_ROWS_PER_WORKGROUP = 16;

/**
 * Kernel constants for k: 4 * A * T kept values (at least 2 k where possible, so that about 1.4 k elements pass
 * the first threshold) and K2, the sort size. Measured on lavapipe: keeping more values per set (T) costs less
 * than more sets (A).
 */
function topkConfig(k: number): { A: number; T: number; K2: number } {
  const T = k <= 16 ? 1 : k <= 32 ? 2 : k <= 64 ? 4 : 8;
  let K2 = 1;
  while (K2 < k) K2 *= 2;
  return { A: 8, T, K2 };
}

export function topk(x: Tensor, k: number, opts: TopkOptions = {}): TopkResult {
  const device = deviceOf("topk", x, ...[opts.values, opts.indices].filter((t): t is Tensor => t !== undefined));
  checkDType("topk", "x", x, "f32");
  const { rows, cols } = topkDims("topk", x.shape, k);
  const values = output("topk", device, [rows, k], "f32", opts.values);
  const indices = output("topk", device, [rows, k], "i32", opts.indices);
  if (rows === 0) return { values, indices };
  // x over one binding: blocks of rows, each bound as a range (the outputs' matching rows too)
  const rowBytes = [cols * 4, k * 4];
  const per = rowsPerBlock(device, "topk", rows, rowBytes, alignedStep(device, rowBytes));
  for (const [r0, r1] of ranges(rows, per)) {
    const part = (t: Tensor) => (per === rows ? t : t.rows(r0, r1));
    device.run(rowKernel("topk", source, cols, false), {
      buffers: [part(x).binding, part(values).binding, part(indices).binding],
      params: params(r1 - r0, cols, k, { f32: -Infinity }),
      workgroups: device.grid(Math.ceil((r1 - r0) / TOPK_ROWS_PER_WORKGROUP)),
      overrides: { ...topkConfig(k), WG: TOPK_ROWS_PER_WORKGROUP },
    });
  }
  return { values, indices };
}
