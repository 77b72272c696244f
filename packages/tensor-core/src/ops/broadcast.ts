// Numpy broadcasting for elementwise binary ops (up to 4 dims): the output shape and, for each input, the
// element strides over the output's 4-d index space (0 where the input is broadcast). Shared by the GPU op
// and its CPU reference; it does no GPU work.
import { ShapeError } from "../errors.ts";
import { fmt, type Shape } from "../shape.ts";

export const MAX_BROADCAST_DIMS = 4;

export interface Broadcast {
  shape: number[];
  /** Output shape left-padded with 1s to 4 dims. */
  dims: [number, number, number, number];
  /** Strides of a and b over `dims` (elements), 0 on broadcast dims. */
  stridesA: [number, number, number, number];
  stridesB: [number, number, number, number];
}

function padded(shape: Shape): number[] {
  return [...new Array(MAX_BROADCAST_DIMS - shape.length).fill(1), ...shape];
}

function strides(shape: number[], out: number[]): [number, number, number, number] {
  const s: [number, number, number, number] = [0, 0, 0, 0];
  let step = 1;
  for (let d = MAX_BROADCAST_DIMS - 1; d >= 0; d--) {
    s[d] = shape[d] === 1 && out[d] !== 1 ? 0 : step;
    step *= shape[d];
  }
  return s;
}

/** Broadcasts a with b; throws ShapeError naming both shapes when they do not fit. */
export function broadcast(op: string, a: Shape, b: Shape): Broadcast {
  if (a.length > MAX_BROADCAST_DIMS || b.length > MAX_BROADCAST_DIMS) {
    throw new ShapeError(`${op}: broadcasting supports up to ${MAX_BROADCAST_DIMS} dims, got ${fmt(a)} and ${fmt(b)}`);
  }
  const pa = padded(a);
  const pb = padded(b);
  const dims = pa.map((da, i) => {
    const db = pb[i];
    if (da !== db && da !== 1 && db !== 1) throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot broadcast`);
    return da === 1 ? db : da;
  }) as [number, number, number, number];
  const rank = Math.max(a.length, b.length);
  return { shape: dims.slice(MAX_BROADCAST_DIMS - rank), dims, stridesA: strides(pa, dims), stridesB: strides(pb, dims) };
}
