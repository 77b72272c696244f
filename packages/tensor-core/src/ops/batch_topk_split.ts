// batchTopk when x (or out) is larger than one binding: the threshold by an exact radix select over float keys
// (4 rounds of one key byte each: batch_topk_hist.wgsl per block of rows, then batch_topk_radix.wgsl), each row's
// tie base (batch_topk_ties.wgsl per block, batch_topk_scan.wgsl), then batch_topk.wgsl per block of rows. Integer
// counts only, no readback; the same output and threshold as the one-binding path. Not an op (see batch_topk.ts).
import { params, type Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import source from "./batch_topk.wgsl" with { type: "text" };
import histSource from "./batch_topk_hist.wgsl" with { type: "text" };
import radixSource from "./batch_topk_radix.wgsl" with { type: "text" };
import tiesSource from "./batch_topk_ties.wgsl" with { type: "text" };
import scanSource from "./batch_topk_scan.wgsl" with { type: "text" };
import { ranges, rowsPerBlock } from "./blocks.ts";
import { rowKernel } from "./row_io.ts";
import { TOPK_ROWS_PER_WORKGROUP } from "./topk.ts";

const kernels = {
  hist: { name: "batch_topk_hist", source: histSource },
  radix: { name: "batch_topk_radix", source: radixSource },
  ties: { name: "batch_topk_ties", source: tiesSource },
  scan: { name: "batch_topk_scan", source: scanSource },
};

export function batchTopkSplit(device: Device, x: Tensor, kTotal: number, out: Tensor, threshold: Tensor): void {
  const [rows, cols] = x.shape;
  if (rows * 4 > device.maxBinding) {
    throw new LimitError(`batchTopk: ${rows} rows' tie counts do not fit one binding of ${device.maxBinding} bytes`);
  }
  const per = rowsPerBlock(device, "batchTopk", rows, [cols * 4]);
  const blocks = ranges(rows, per);
  const part = (t: Tensor, r0: number, r1: number) => (per === rows ? t.binding : t.rows(r0, r1).binding);
  const sel = Tensor.from(device, [2], Int32Array.of(0, kTotal), "batchTopk state");
  const hist = Tensor.from(device, [256], new Int32Array(256), "batchTopk histogram");
  for (let round = 0; round < 4; round++) {
    for (const [r0, r1] of blocks) {
      const n = (r1 - r0) * cols;
      device.run(kernels.hist, {
        buffers: [part(x, r0, r1), sel.binding, hist.binding],
        params: params(n, round, 0, 0),
        workgroups: device.grid(Math.ceil(n / 256)),
      });
    }
    const radix = { buffers: [sel.binding, hist.binding], params: params(round, 0, 0, 0), workgroups: [1] as [number] };
    device.run(kernels.radix, radix);
  }
  const tieBase = Tensor.empty(device, [rows], "i32", "batchTopk tie bases");
  for (const [r0, r1] of blocks) {
    device.run(kernels.ties, {
      buffers: [part(x, r0, r1), sel.binding, part(tieBase, r0, r1)],
      params: params(r1 - r0, cols, 0, 0),
      workgroups: device.grid(Math.ceil((r1 - r0) / 64)),
    });
  }
  device.run(kernels.scan, { buffers: [tieBase.binding], params: params(rows, 0, 0, 0), workgroups: [1] });
  for (const [r0, r1] of blocks) {
    device.run(rowKernel("batch_topk", source, cols, true), {
      buffers: [part(x, r0, r1), part(out, r0, r1), sel.binding, part(tieBase, r0, r1), threshold.binding],
      params: params(r1 - r0, cols),
      workgroups: device.grid(Math.ceil((r1 - r0) / TOPK_ROWS_PER_WORKGROUP)),
      overrides: { WG: TOPK_ROWS_PER_WORKGROUP },
    });
  }
  for (const t of [sel, hist, tieBase]) t.dispose();
}
