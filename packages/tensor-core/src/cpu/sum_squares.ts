// CPU references for sumSquares and clipScale (ops/sum_squares.ts), accumulated in float64.
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, host, type HostTensor } from "../tensor.ts";

/** out[slot] = sum x^2; out defaults to a fresh [1]. Writes into out and returns it. */
export function sumSquares(x: HostTensor, opts: { out?: HostTensor; slot?: number } = {}): HostTensor {
  checkDType("sumSquares (cpu)", "x", x, "f32");
  const out = opts.out ?? host([1], new Float32Array(1));
  const slot = opts.slot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot >= out.data.length) throw new LimitError(`sumSquares (cpu): slot ${slot} outside out ${fmt(out.shape)}`);
  let s = 0;
  for (let i = 0; i < x.data.length; i++) s += x.data[i] * x.data[i];
  out.data[slot] = s;
  return out;
}

/** sqNorms [n] -> [1] = min(1, maxNorm / (sqrt(sum sqNorms) + 1e-6)), or 1 when maxNorm <= 0. */
export function clipScale(sqNorms: HostTensor, maxNorm: number): HostTensor<"f32"> {
  checkDType("clipScale (cpu)", "sqNorms", sqNorms, "f32");
  if (sqNorms.shape.length !== 1) throw new ShapeError(`clipScale (cpu): sqNorms must be [n], got ${fmt(sqNorms.shape)}`);
  let total = 0;
  for (let i = 0; i < sqNorms.data.length; i++) total += sqNorms.data[i];
  const coef = maxNorm > 0 ? Math.min(1, maxNorm / (Math.sqrt(total) + 1e-6)) : 1;
  return host([1], new Float32Array([coef]));
}
