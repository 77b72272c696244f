// CPU reference for normScale (ops/norm_scale.ts): LayerNorm or RMSNorm over the last dim plus each row's scale,
// two-pass float64.
import { host, type HostTensor } from "../tensor.ts";
import { rowsCols } from "../shape.ts";

export function normScale(
  x: HostTensor,
  w: HostTensor,
  b: HostTensor,
  opts: { rms?: boolean; eps?: number } = {},
): Record<"out" | "scale", HostTensor<"f32">> {
  const eps = opts.eps ?? 1e-5;
  const { rows, cols } = rowsCols(x.shape);
  const out = new Float32Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const s0 = r * cols;
    let mean = 0;
    if (!opts.rms) {
      for (let j = 0; j < cols; j++) mean += x.data[s0 + j];
      mean /= cols;
    }
    let ss = 0;
    for (let j = 0; j < cols; j++) ss += (x.data[s0 + j] - mean) ** 2;
    const s = Math.sqrt(ss / cols + eps);
    scale[r] = s;
    for (let j = 0; j < cols; j++) out[s0 + j] = ((x.data[s0 + j] - mean) / s) * w.data[j] + b.data[j];
  }
  return { out: host(x.shape, out), scale: host([...x.shape.slice(0, -1), 1], scale) };
}
