// softmax over the last dim: numerically stable (shifted by the row max), with a pre-scale and an optional
// causal mask for attention scores x [..., T, S]: row i sees columns j <= i + posOffset (posOffset > 0 for
// KV-cache rows); masked entries are exactly 0, a row with nothing visible is all 0. Barrier-free: one launch
// with a lane per row when rows are many; wide rows with few of them are cut into segments over three launches
// (see softmax.wgsl). Cannot run in place.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { fmt, rowsCols } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias, dummyBuffer, launch, rowSplit } from "./alias.ts";
import { byRows } from "./blocks.ts";
import source from "./softmax.wgsl" with { type: "text" };
import { rowKernel } from "./row_io.ts";

export interface SoftmaxOptions {
  causal?: boolean;
  /** Extra columns row i may see beyond i (cached positions); default 0. */
  posOffset?: number;
  /** Multiplies x before the softmax (e.g. 1 / sqrt(d_head)); default 1. */
  scale?: number;
  out?: Tensor;
}

/** x [..., S] -> [..., S]; causal needs x [..., T, S]. */
export function softmax(x: Tensor, opts: SoftmaxOptions = {}): Tensor {
  const dev = deviceOf("softmax", x);
  checkDType("softmax", "x", x, "f32");
  const causal = opts.causal ?? false;
  const minDims = causal ? 2 : 1;
  if (x.shape.length < minDims) throw new ShapeError(`softmax: x must have at least ${minDims} dims${causal ? " ([..., T, S]) when causal" : ""}, got ${fmt(x.shape)}`);
  const posOffset = opts.posOffset ?? 0;
  if (!Number.isInteger(posOffset)) throw new ShapeError(`softmax: posOffset must be an integer, got ${posOffset}`);
  const out = output("softmax", dev, x.shape, "f32", opts.out);
  checkNoAlias("softmax", out, { x });
  const { rows, cols } = rowsCols(x.shape);
  if (rows === 0) return out;
  const T = causal ? x.shape[x.shape.length - 2] : 1;
  const [x2, out2] = [x.reshape([rows, cols]), out.reshape([rows, cols])];
  const rowBytes = cols * 4;
  // over one binding: row blocks; rowBase keeps each row's causal position (row % T) of the whole tensor
  const split = byRows("softmax", out2, [x2], (ob, [xb]) => {
    softmaxRows(xb, ob, T, opts, causal, posOffset, (ob.byteOffset - out2.byteOffset) / rowBytes);
  });
  if (!split) softmaxRows(x2, out2, T, opts, causal, posOffset, 0);
  return out;
}

/** The kernels over x [rows, cols] (one binding each), rows counted from rowBase for the causal mask. */
function softmaxRows(
  x: Tensor,
  out: Tensor,
  T: number,
  opts: SoftmaxOptions,
  causal: boolean,
  posOffset: number,
  rowBase: number,
): void {
  const dev = x.device;
  const [rows, cols] = x.shape;
  const { lanes, seg } = rowSplit(rows, cols);
  const kernel = rowKernel("softmax", source, cols, true);
  const statsAt = 2 * rows * lanes;
  const scale = { f32: opts.scale ?? 1 };
  const mask = [Number(causal), T, { i32: posOffset }, 0xff800000] as const;
  const p = params(rows, cols, lanes, statsAt, scale, ...mask, seg, rowBase);
  const run = (part: GPUBuffer, stage: number, n: number) =>
    dev.run(kernel, {
      buffers: [x.binding, part, out.binding],
      params: p,
      workgroups: launch(dev, n),
      overrides: { STAGE: stage },
    });
  if (lanes === 1) {
    run(dummyBuffer(dev), 3, rows);
    return;
  }
  const part = Tensor.empty(dev, [statsAt + 2 * rows], "f32", "softmax stats");
  [rows * lanes, rows, rows * lanes].forEach((n, stage) => run(part.buffer, stage, n));
  part.dispose();
}
