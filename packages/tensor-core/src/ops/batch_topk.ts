// batchTopk: BatchTopK's activation. Keeps the kTotal largest values of x [rows, cols] over the whole batch (ties:
// lower flat index first), zeros elsewhere; also returns the smallest kept value as a [1] tensor (the threshold a
// BatchTopK SAE tracks for inference). Three dispatches, no readback:
//   1. topk per row with kr = min(cols, 256, max(1, ceil(2 kTotal / rows))) candidates (ops/topk.ts);
//   2. batch_topk_select.wgsl (one workgroup): the exact threshold t from those lists, scanning x only for rows that
//      may hold more than kr elements above the probe, and each row's count of earlier ties;
//   3. batch_topk.wgsl (one invocation per row): the dense output and the threshold.
// x over one binding: an exact radix select and blocks of rows instead (batch_topk_split.ts).
// Fast when no row holds much more than twice its share of the kept values; correct (slower) either way.
// The CPU reference is cpu/batch_topk.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import source from "./batch_topk.wgsl" with { type: "text" };
import { batchTopkSplit } from "./batch_topk_split.ts";
import { overBinding } from "./blocks.ts";
import selectSource from "./batch_topk_select.wgsl" with { type: "text" };
import { rowKernel } from "./row_io.ts";
import { TOPK_MAX_K, TOPK_ROWS_PER_WORKGROUP, topk } from "./topk.ts";

const selectKernel = { name: "batch_topk_select", source: selectSource };

export interface BatchTopkOptions {
  out?: Tensor;
  threshold?: Tensor;
}

export interface BatchTopkResult {
  out: Tensor<"f32">; // [rows, cols]
  threshold: Tensor<"f32">; // [1]
}

/** Checks x [rows, cols] and kTotal for batchTopk and its CPU reference; returns rows and cols. */
export function batchTopkDims(op: string, shape: readonly number[], kTotal: number): { rows: number; cols: number } {
  if (shape.length !== 2) throw new ShapeError(`${op}: x must be [rows, cols], got ${fmt(shape)}`);
  const [rows, cols] = shape;
  if (!Number.isInteger(kTotal) || kTotal < 1 || kTotal > rows * cols) {
    throw new LimitError(`${op}: kTotal = ${kTotal} must be an integer in 1..${rows * cols} (x ${fmt(shape)})`);
  }
  return { rows, cols };
}

/** Candidates per row taken by topk: twice the average share, within topk's limits. */
function batchTopkCandidates(rows: number, cols: number, kTotal: number): number {
  return Math.min(cols, TOPK_MAX_K, Math.max(1, Math.ceil((2 * kTotal) / rows)));
}

export function batchTopk(x: Tensor, kTotal: number, opts: BatchTopkOptions = {}): BatchTopkResult {
  const extra = [opts.out, opts.threshold].filter((t): t is Tensor => t !== undefined);
  const device = deviceOf("batchTopk", x, ...extra);
  checkDType("batchTopk", "x", x, "f32");
  const { rows, cols } = batchTopkDims("batchTopk", x.shape, kTotal);
  const out = output("batchTopk", device, [rows, cols], "f32", opts.out);
  const threshold = output("batchTopk", device, [1], "f32", opts.threshold);
  if (overBinding(device, x, out)) {
    batchTopkSplit(device, x, kTotal, out, threshold);
    return { out, threshold };
  }
  const kr = batchTopkCandidates(rows, cols, kTotal);
  const { values, indices } = topk(x, kr);
  const sel = Tensor.empty(device, [2], "i32", "batchTopk");
  const tieBase = Tensor.empty(device, [rows], "i32", "batchTopk");
  device.run(selectKernel, {
    buffers: [x.buffer, values.buffer, sel.buffer, tieBase.buffer],
    params: params(rows, cols, kr, kTotal, { f32: -Infinity }),
    workgroups: [1],
  });
  device.run(rowKernel("batch_topk", source, cols, true), {
    buffers: [x.buffer, out.buffer, sel.buffer, tieBase.buffer, threshold.buffer],
    params: params(rows, cols),
    workgroups: device.grid(Math.ceil(rows / TOPK_ROWS_PER_WORKGROUP)),
    overrides: { WG: TOPK_ROWS_PER_WORKGROUP },
  });
  for (const t of [values, indices, sel, tieBase]) t.dispose();
  return { out, threshold };
}
