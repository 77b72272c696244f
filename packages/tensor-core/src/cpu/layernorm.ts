// CPU reference for layerNorm over the last dim (torch.nn.functional.layer_norm: biased variance, eps inside
// the square root), two-pass float64.
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { checkShape, fmt, rowsCols } from "../shape.ts";
import { ShapeError } from "../errors.ts";

export function layerNorm(x: HostTensor, gamma: HostTensor, beta: HostTensor, opts: { eps?: number } = {}): HostTensor<"f32"> {
  const eps = opts.eps ?? 1e-5;
  for (const [name, t] of [["x", x], ["gamma", gamma], ["beta", beta]] as const) checkDType("layerNorm", name, t, "f32");
  if (x.shape.length === 0) throw new ShapeError(`layerNorm: x must have at least 1 dim, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  checkShape("layerNorm", "gamma", gamma.shape, [cols]);
  checkShape("layerNorm", "beta", beta.shape, [cols]);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x.data[s + j];
    mean /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (x.data[s + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / cols + eps);
    for (let j = 0; j < cols; j++) out[s + j] = (x.data[s + j] - mean) * rstd * gamma.data[j] + beta.data[j];
  }
  return host(x.shape, out);
}
