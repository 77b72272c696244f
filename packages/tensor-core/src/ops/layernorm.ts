// layerNorm over the last dim, matching torch.nn.functional.layer_norm (biased variance, eps inside the sqrt).
// Barrier-free: one launch with a lane per row when rows are many; wide rows with few of them are cut into
// segments over three launches (partial sums, per-row stats, normalise). See layernorm.wgsl. Forward only.
// Cannot run in place.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt, rowsCols } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias, dummyBuffer, launch, rowSplit } from "./alias.ts";
import { byRows } from "./blocks.ts";
import source from "./layernorm.wgsl" with { type: "text" };
import { rowKernel } from "./row_io.ts";

export interface LayerNormOptions {
  /** Added to the variance inside the square root; default 1e-5 (torch's). */
  eps?: number;
  out?: Tensor;
}

/** x [..., d_model], gamma [d_model], beta [d_model] -> [..., d_model]. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, opts: LayerNormOptions = {}): Tensor {
  const dev = deviceOf("layerNorm", x, gamma, beta);
  for (const [name, t] of [["x", x], ["gamma", gamma], ["beta", beta]] as const) checkDType("layerNorm", name, t, "f32");
  if (x.shape.length === 0) throw new ShapeError(`layerNorm: x must have at least 1 dim, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  checkShape("layerNorm", "gamma", gamma.shape, [cols]);
  checkShape("layerNorm", "beta", beta.shape, [cols]);
  const out = output("layerNorm", dev, x.shape, "f32", opts.out);
  checkNoAlias("layerNorm", out, { x, gamma, beta });
  if (rows === 0) return out;
  const eps = opts.eps ?? 1e-5;
  const [x2, out2] = [x.reshape([rows, cols]), out.reshape([rows, cols])];
  // over one binding: row blocks of x and out, gamma and beta bound whole
  const norm = (ob: Tensor, [xb]: Tensor[]) => normRows(xb, gamma, beta, ob, eps);
  const split = byRows("layerNorm", out2, [x2, gamma, beta], norm, [true, false, false]);
  if (!split) normRows(x2, gamma, beta, out2, eps);
  return out;
}

/** The kernels over x [rows, cols] (one binding each). */
function normRows(x: Tensor, gamma: Tensor, beta: Tensor, out: Tensor, eps: number): void {
  const dev = x.device;
  const [rows, cols] = x.shape;
  const { lanes, seg } = rowSplit(rows, cols);
  const kernel = rowKernel("layernorm", source, cols, true);
  const statsAt = 2 * rows * lanes;
  const p = params(rows, cols, lanes, statsAt, { f32: eps }, seg);
  const run = (buffers: GPUBuffer[], stage: number, n: number) =>
    dev.run(kernel, {
      buffers: [x.binding, gamma.binding, beta.binding, ...buffers, out.binding],
      params: p,
      workgroups: launch(dev, n),
      overrides: { STAGE: stage },
    });
  if (lanes === 1) {
    run([dummyBuffer(dev)], 3, rows);
    return;
  }
  const part = Tensor.empty(dev, [statsAt + 2 * rows], "f32", "layerNorm stats");
  [rows * lanes, rows, rows * lanes].forEach((n, stage) => run([part.buffer], stage, n));
  part.dispose();
}
