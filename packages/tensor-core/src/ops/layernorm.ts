// layerNorm over the last dim, matching torch.nn.functional.layer_norm (biased variance, eps inside the sqrt).
// Three barrier-free launches: per-lane shifted sums, per-row (mean, rstd), then the elementwise normalise
// (see layernorm.wgsl). Forward only. Cannot run in place.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt, rowsCols } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { checkNoAlias, launch, lanesPerRow } from "./alias.ts";
import source from "./layernorm.wgsl" with { type: "text" };

const kernel = { name: "layernorm", source };

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
  const lanes = lanesPerRow(cols);
  const statsAt = 2 * rows * lanes;
  const part = Tensor.empty(dev, [statsAt + 2 * rows], "f32", "layerNorm stats");
  const p = params(rows, cols, lanes, statsAt, { f32: opts.eps ?? 1e-5 });
  const buffers = [x.buffer, gamma.buffer, beta.buffer, part.buffer, out.buffer];
  const counts = [rows * lanes, rows, Math.ceil((rows * cols) / 4)];
  counts.forEach((n, stage) => dev.run(kernel, { buffers, params: p, workgroups: launch(dev, n), overrides: { STAGE: stage } }));
  part.dispose();
  return out;
}
