// rowLogSumExp: log(sum(exp(x))) over the last dim of logits [..., V] -> [...], max-shifted, one workgroup per row
// (logsumexp.wgsl); the same kernel gives cross_entropy.ts its losses and kl.ts its (max, sum) pairs. Logits over
// one binding go in blocks of rows bound from an aligned start (row_spans.ts). CPU reference: cpu/logsumexp.ts.
import { params, type Device } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias, dummyBuffer } from "./alias.ts";
import source from "./logsumexp.wgsl" with { type: "text" };
import { rowBlocks, rowSpan } from "./row_spans.ts";

const kernel = { name: "logsumexp", source };

/** What the kernel writes per row: the lse, the (max, sum exp(x - max)) pair, or lse - x[target]. */
export const LSE_MODE = { lse: 0, pair: 1, crossEntropy: 2 } as const;

/** Rows and V of logits [..., V] (at least 2 dims, V >= 1). */
export function logitShape(op: string, logits: Tensor): { rows: number; V: number; lead: number[] } {
  checkDType(op, "logits", logits, "f32");
  const V = logits.shape[logits.shape.length - 1];
  if (logits.shape.length < 2 || V < 1) {
    throw new ShapeError(`${op}: logits must be [..., d_vocab >= 1], got ${fmt(logits.shape)}`);
  }
  const lead = logits.shape.slice(0, -1);
  return { rows: logits.size / V, V, lead };
}

/** logits [..., V] -> [...] = logsumexp over the last dim (f32). */
export function rowLogSumExp(logits: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const dev = deviceOf("rowLogSumExp", logits);
  const { lead } = logitShape("rowLogSumExp", logits);
  const out = output("rowLogSumExp", dev, lead, "f32", opts.out);
  checkNoAlias("rowLogSumExp", out, { logits });
  lseRows("rowLogSumExp", dev, LSE_MODE.lse, logits, undefined, out);
  return out;
}

/**
 * The kernel over all rows of logits (any leading shape; rows = size / V) in blocks that fit one binding: out gets
 * 1 value per row (2 for "pair"), targets (i32, one per row) only for crossEntropy.
 */
export function lseRows(
  op: string,
  dev: Device,
  mode: number,
  logits: Tensor,
  targets: Tensor | undefined,
  out: Tensor,
): void {
  const V = logits.shape[logits.shape.length - 1];
  const rows = logits.size / V;
  const per = mode === LSE_MODE.pair ? 2 : 1;
  const bound: Array<[Tensor, number]> = [[logits, V], [out, per]];
  if (targets) bound.push([targets, 1]);
  for (const [r0, r1] of rowBlocks(op, dev, rows, bound)) {
    const x = rowSpan(logits, V, r0, r1);
    const t = targets ? rowSpan(targets, 1, r0, r1) : { binding: dummyBuffer(dev), off: 0 };
    const o = rowSpan(out, per, r0, r1);
    dev.run(kernel, {
      buffers: [x.binding, t.binding, o.binding],
      params: params(r1 - r0, V, x.off, t.off, o.off, 0xff800000, 0x7fc00000),
      workgroups: dev.grid(r1 - r0),
      overrides: { MODE: mode },
    });
  }
}
