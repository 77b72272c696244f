// CPU reference for rowLogSumExp: log(sum(exp(x))) over the last dim, max-shifted, in float64.
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, host, type HostTensor } from "../tensor.ts";

/** log(sum(exp(x[off .. off + n)))) in float64. */
export function lseRow(x: ArrayLike<number>, off: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, x[off + j]);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x[off + j] - m);
  return m + Math.log(s);
}

/** Rows and V of host logits [..., V] (at least 2 dims). */
export function hostLogitShape(op: string, x: HostTensor): { rows: number; V: number; lead: number[] } {
  checkDType(op, "logits", x, "f32");
  const V = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || V < 1) {
    throw new ShapeError(`${op}: logits must be [..., d_vocab >= 1], got ${fmt(x.shape)}`);
  }
  return { rows: x.data.length / V, V, lead: x.shape.slice(0, -1) };
}

/** logits [..., V] -> [...]. */
export function rowLogSumExp(x: HostTensor): HostTensor<"f32"> {
  const { rows, V, lead } = hostLogitShape("rowLogSumExp", x);
  return host(lead, Float32Array.from({ length: rows }, (_, r) => lseRow(x.data, r * V, V)));
}
