// CPU reference for fusedActCols (ops/fused_act_cols.ts), float64 accumulation, plain loops.
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { host, type HostTensor } from "../tensor.ts";
import type { FusedActCols } from "../ops/fused_act_cols.ts";

export function fusedActCols(
  mode: FusedActCols,
  a: HostTensor,
  opts: { b?: HostTensor; v?: HostTensor; c0?: number; bandwidth?: number } = {},
): { out: HostTensor<"f32">; colA: HostTensor<"f32">; colB: HostTensor<"f32"> | null } {
  if (a.shape.length !== 2) throw new ShapeError(`fusedActCols (cpu): a must be [batch, d_sae], got ${fmt(a.shape)}`);
  const [rows, cols] = a.shape;
  const { b, v, c0 = 0, bandwidth = 1 } = opts;
  if (mode !== "reluSum" && (!b || !v)) throw new ShapeError(`fusedActCols (cpu, ${mode}): needs b and v`);
  const out = new Float32Array(rows * cols);
  const sA = new Float64Array(cols);
  const sB = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const at = r * cols + i;
      const x = a.data[at];
      let y: number;
      if (mode === "reluSum") y = Math.max(x, 0);
      else if (mode === "reluGrad") y = b!.data[at] > 0 ? x + c0 * v!.data[i] : 0;
      else {
        const e = Math.exp(v!.data[i]);
        const pre = b!.data[at];
        y = pre > e ? x : 0;
        const u = (pre - e) / bandwidth;
        if (u > -0.5 && u < 0.5) sB[i] += e * (-(e / bandwidth) * x - c0 / bandwidth);
      }
      out[at] = y;
      sA[i] += y;
    }
  }
  return {
    out: host([rows, cols], out),
    colA: host([cols], Float32Array.from(sA)),
    colB: mode === "jumpGrad" ? host([cols], Float32Array.from(sB)) : null,
  };
}
