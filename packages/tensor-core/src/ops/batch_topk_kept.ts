// batchTopkKept: what a BatchTopK SAE's running-threshold update (SAELens update_topk_threshold) needs from one
// batchTopk selection, without a readback. Given batchTopk's out [rows, cols] and threshold [1] (the kTotal-th
// largest value): when the threshold is positive, out is the selection and the smallest kept positive value is the
// threshold; else fewer than kTotal values are positive, all of them are kept (out holds them, and the largest
// non-positive ones): out is ReLU'd in place and the smallest positive value is taken by an atomic minimum. That
// value (0 when nothing is positive) goes to log[slot], so a caller collects one per step and reads them when it
// needs the threshold. Two dispatches (the first, one per element block when out is over one binding, returns at
// once when the threshold is positive) and a [1] fill.
// The CPU reference is cpu/batch_topk_kept.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, Tensor } from "../tensor.ts";
import { ranges, rowsPerBlock } from "./blocks.ts";
import { fill } from "./fill.ts";
import source from "./batch_topk_kept.wgsl" with { type: "text" };
import logSource from "./batch_topk_kept_log.wgsl" with { type: "text" };

const kernels = { kept: { name: "batch_topk_kept", source }, log: { name: "batch_topk_kept_log", source: logSource } };
const INF_BITS = 0x7f800000;
const KEPT_WORKGROUPS = 32; // of 256, striding over out: the common case (threshold positive) returns at once

/** out [rows, cols] (batchTopk's, ReLU'd in place when threshold [1] <= 0); log[slot] = smallest kept positive. */
export function batchTopkKept(out: Tensor, threshold: Tensor, log: Tensor, slot: number): void {
  const dev = deviceOf("batchTopkKept", out, threshold, log);
  for (const [n, t] of [["out", out], ["threshold", threshold], ["log", log]] as const) {
    checkDType("batchTopkKept", n, t, "f32");
  }
  if (threshold.size !== 1) throw new ShapeError(`batchTopkKept: threshold must be [1], got ${fmt(threshold.shape)}`);
  if (!Number.isInteger(slot) || slot < 0 || slot >= log.size) {
    throw new LimitError(`batchTopkKept: slot ${slot} outside log ${fmt(log.shape)}`);
  }
  const minbits = fill(Tensor.empty(dev, [1], "i32", "batchTopkKept min"), INF_BITS);
  const flat = out.reshape([out.size]);
  const per = rowsPerBlock(dev, "batchTopkKept", out.size, [4]); // over one binding: element blocks bound as ranges
  for (const [e0, e1] of ranges(out.size, per)) {
    const part = per === out.size ? flat : flat.rows(e0, e1);
    const workgroups = Math.min(KEPT_WORKGROUPS, Math.ceil((e1 - e0) / 256));
    const buffers = [threshold.binding, part.binding, minbits.binding];
    dev.run(kernels.kept, { buffers, params: params(e1 - e0, workgroups * 256), workgroups: [workgroups] });
  }
  const logBuffers = [threshold.binding, minbits.binding, log.binding];
  dev.run(kernels.log, { buffers: logBuffers, params: params(slot), workgroups: [1] });
  minbits.dispose();
}
