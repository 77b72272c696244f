// CPU reference for batchTopk (ops/batch_topk.ts): the kTotal largest values of x over the whole batch (ties: lower
// flat index first) kept in place, zeros elsewhere, and the smallest kept value (the kTotal-th in that order).
import { DTypeError } from "../errors.ts";
import { batchTopkDims } from "../ops/batch_topk.ts";
import { fmt } from "../shape.ts";
import type { HostTensor } from "../tensor.ts";

export function batchTopk(x: HostTensor, kTotal: number): { out: HostTensor<"f32">; threshold: HostTensor<"f32"> } {
  if (x.dtype !== "f32") throw new DTypeError(`batchTopk (cpu): x ${fmt(x.shape)} must be f32, got ${x.dtype}`);
  const { rows, cols } = batchTopkDims("batchTopk (cpu)", x.shape, kTotal);
  const X = x.data as Float32Array;
  const order = new Int32Array(rows * cols);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => X[b] - X[a] || a - b);
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < kTotal; j++) out[order[j]] = X[order[j]];
  const threshold = Float32Array.of(X[order[kTotal - 1]]);
  return { out: { shape: [rows, cols], dtype: "f32", data: out }, threshold: { shape: [1], dtype: "f32", data: threshold } };
}
