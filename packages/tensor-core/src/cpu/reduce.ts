// CPU references for the row reductions ([..., C] -> [...]) and colSum ([R, C] -> [C]), float64 accumulation.
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { rowsCols } from "../shape.ts";
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";

function rowReduce(op: string, x: HostTensor, f: (row: ArrayLike<number>, start: number, cols: number) => number): HostTensor<"f32"> {
  checkDType(op, "x", x, "f32");
  if (x.shape.length === 0) throw new ShapeError(`${op}: x must have at least 1 dim, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = f(x.data, r * cols, cols);
  return host(x.shape.slice(0, -1), out);
}

function sum(d: ArrayLike<number>, s: number, n: number): number {
  let acc = 0;
  for (let j = 0; j < n; j++) acc += d[s + j];
  return acc;
}

export const rowSum = (x: HostTensor): HostTensor<"f32"> => rowReduce("rowSum", x, sum);
export const rowMean = (x: HostTensor): HostTensor<"f32"> => rowReduce("rowMean", x, (d, s, n) => sum(d, s, n) / n);

export function rowMax(x: HostTensor): HostTensor<"f32"> {
  return rowReduce("rowMax", x, (d, s, n) => {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, d[s + j]);
    return m;
  });
}

export function rowL2(x: HostTensor): HostTensor<"f32"> {
  return rowReduce("rowL2", x, (d, s, n) => {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += d[s + j] * d[s + j];
    return Math.sqrt(acc);
  });
}

export function colSum(x: HostTensor): HostTensor<"f32"> {
  checkDType("colSum", "x", x, "f32");
  if (x.shape.length !== 2) throw new ShapeError(`colSum: x must be [R, C], got ${fmt(x.shape)}`);
  const [rows, cols] = x.shape;
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) acc[c] += x.data[r * cols + c];
  return host([cols], Float32Array.from(acc));
}
