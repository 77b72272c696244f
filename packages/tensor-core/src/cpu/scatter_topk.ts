// CPU reference for scatterTopk (ops/scatter_topk.ts).
import type { HostTensor } from "../tensor.ts";

export function scatterTopk(values: HostTensor, indices: HostTensor, cols: number): HostTensor<"f32"> {
  const [rows, k] = values.shape;
  const out = new Float32Array(rows * cols);
  for (let q = 0; q < rows * k; q++) {
    const c = indices.data[q];
    if (c >= 0 && c < cols) out[Math.floor(q / k) * cols + c] = values.data[q];
  }
  return { shape: [rows, cols], dtype: "f32", data: out };
}
