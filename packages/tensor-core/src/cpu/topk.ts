// CPU reference for topk (ops/topk.ts): per row the k largest values, descending, ties broken by lower column.
import { DTypeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import type { HostTensor } from "../tensor.ts";
import { topkDims } from "../ops/topk.ts";

export function topk(x: HostTensor, k: number): { values: HostTensor<"f32">; indices: HostTensor<"i32"> } {
  if (x.dtype !== "f32") throw new DTypeError(`topk (cpu): x ${fmt(x.shape)} must be f32, got ${x.dtype}`);
  const { rows, cols } = topkDims("topk (cpu)", x.shape, k);
  const X = x.data as Float32Array;
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  const order = new Int32Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) order[c] = c;
    order.sort((a, b) => X[off + b] - X[off + a] || a - b);
    for (let j = 0; j < k; j++) {
      values[r * k + j] = X[off + order[j]];
      indices[r * k + j] = order[j];
    }
  }
  return { values: { shape: [rows, k], dtype: "f32", data: values }, indices: { shape: [rows, k], dtype: "i32", data: indices } };
}
