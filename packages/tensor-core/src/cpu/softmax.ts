// CPU reference for softmax over the last dim: x * scale first, then for causal x [..., T, S] row i keeps
// columns j <= i + posOffset (the rest are exactly 0; a row with nothing visible is all 0). Float64.
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { fmt, rowsCols } from "../shape.ts";
import { ShapeError } from "../errors.ts";

export interface SoftmaxOptions {
  causal?: boolean;
  /** Columns row i may see beyond i (KV-cache rows); default 0. */
  posOffset?: number;
  /** Multiplies x before the softmax (e.g. 1/sqrt(d_head)); default 1. */
  scale?: number;
}

export function softmax(x: HostTensor, opts: SoftmaxOptions = {}): HostTensor<"f32"> {
  checkDType("softmax", "x", x, "f32");
  const minDims = opts.causal ? 2 : 1;
  if (x.shape.length < minDims) throw new ShapeError(`softmax: x must have at least ${minDims} dims, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  const T = opts.causal ? x.shape[x.shape.length - 2] : 1;
  const scale = opts.scale ?? 1;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    const visible = opts.causal ? Math.max(0, Math.min(cols, (r % T) + (opts.posOffset ?? 0) + 1)) : cols;
    let m = -Infinity;
    for (let j = 0; j < visible; j++) m = Math.max(m, x.data[s + j] * scale);
    let z = 0;
    for (let j = 0; j < visible; j++) z += Math.exp(x.data[s + j] * scale - m);
    for (let j = 0; j < visible; j++) out[s + j] = Math.exp(x.data[s + j] * scale - m) / z;
  }
  return host(x.shape, out);
}
