// Shape rules of matmul, shared by the WebGPU op (ops/matmul.ts) and its CPU reference (cpu/matmul.ts):
// a [M,K] (or [K,M] with transA), b [K,N] (or [N,K] with transB) -> [M,N]; batched a [batch,M,K] with
// b [batch,K,N] or a shared b [K,N]. Only shapes here: no dtypes, no buffers.
import { ShapeError } from "../errors.ts";
import { fmt, type Shape } from "../shape.ts";

export interface MatmulOptions<T> {
  /** a is stored [K, M] (its last two dims); the product uses its transpose. */
  transA?: boolean;
  /** b is stored [N, K] (its last two dims); the product uses its transpose. */
  transB?: boolean;
  /** [N], added to every output row. */
  bias?: T;
  /** Add into `out` instead of overwriting it: out += alpha * a@b (+ bias). Needs `out`. */
  accumulate?: boolean;
  /** Scale of the product, default 1. */
  alpha?: number;
  /** Where to write [batch?, M, N]. */
  out?: T;
}

/** Resolved sizes: `batch` is 1 for plain 2-D products; `sharedB` when b is [K,N] under a batched a. */
export interface MatmulDims {
  batch: number;
  M: number;
  K: number;
  N: number;
  sharedB: boolean;
  outShape: Shape;
}

export function matmulDims(a: Shape, b: Shape, transA = false, transB = false, bias?: Shape): MatmulDims {
  const what = () => `matmul: a ${fmt(a)}${transA ? " (transA)" : ""} and b ${fmt(b)}${transB ? " (transB)" : ""}`;
  if (a.length !== 2 && a.length !== 3) throw new ShapeError(`${what()}: a must be 2-D or 3-D`);
  if (b.length !== 2 && b.length !== 3) throw new ShapeError(`${what()}: b must be 2-D or 3-D`);
  if (b.length === 3 && a.length !== 3) throw new ShapeError(`${what()}: a batched b needs a batched a`);
  if (b.length === 3 && b[0] !== a[0]) throw new ShapeError(`${what()}: batch sizes differ (${a[0]} vs ${b[0]})`);
  const batch = a.length === 3 ? a[0] : 1;
  const [a0, a1] = a.slice(-2);
  const [b0, b1] = b.slice(-2);
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== Kb) throw new ShapeError(`${what()}: inner dimensions differ (${K} vs ${Kb})`);
  if (bias && (bias.length !== 1 || bias[0] !== N)) throw new ShapeError(`${what()}: bias ${fmt(bias)} must be [${N}]`);
  const outShape = a.length === 3 ? [batch, M, N] : [M, N];
  return { batch, M, K, N, sharedB: a.length === 3 && b.length === 2, outShape };
}
