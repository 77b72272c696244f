// Numpy broadcasting for elementwise binary ops (up to 4 dims): the output shape and, for each input, the
// element strides over the output's 4-d index space (0 where the input is broadcast). Shared by the GPU op
// and its CPU reference; it does no GPU work.
import { ShapeError } from "../errors.ts";
import { fmt, type Shape } from "../shape.ts";

const MAX_BROADCAST_DIMS = 4;

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

/** How the span kernel (binary_rows.wgsl) reads one operand of an output viewed as [R, C]. */
export const OPERAND = { full: 0, row: 1, col: 2, scalar: 3 } as const satisfies Record<string, number>;

export interface RowLayout {
  /** Columns of the [R, C] view of the output. */
  cols: number;
  modeA: number;
  modeB: number;
}

function contiguous(dims: readonly number[], from: number, to: number): number[] {
  const s = new Array<number>(MAX_BROADCAST_DIMS).fill(0);
  let step = 1;
  for (let d = to - 1; d >= from; d--) {
    s[d] = step;
    step *= dims[d];
  }
  return s;
}

/** Matches strides over dims [from, to) against `want` (dims of extent 1 match anything). */
function stridesMatch(bc: Broadcast, s: readonly number[], want: readonly number[], from: number, to: number): boolean {
  for (let d = from; d < to; d++) if (bc.dims[d] !== 1 && s[d] !== want[d]) return false;
  return true;
}

function operandMode(bc: Broadcast, s: readonly number[], k: number): number | null {
  const zero = [0, 0, 0, 0];
  const all = contiguous(bc.dims, 0, MAX_BROADCAST_DIMS);
  if (stridesMatch(bc, s, all, 0, MAX_BROADCAST_DIMS)) return OPERAND.full;
  if (stridesMatch(bc, s, zero, 0, MAX_BROADCAST_DIMS)) return OPERAND.scalar;
  if (stridesMatch(bc, s, zero, 0, k) && stridesMatch(bc, s, contiguous(bc.dims, k, MAX_BROADCAST_DIMS), k, MAX_BROADCAST_DIMS)) return OPERAND.row;
  if (stridesMatch(bc, s, contiguous(bc.dims, 0, k), 0, k) && stridesMatch(bc, s, zero, k, MAX_BROADCAST_DIMS)) return OPERAND.col;
  return null;
}

/**
 * The output as [R, C] with each operand whole ([R, C]), a row repeated ([C]), a column repeated ([R, 1]) or a
 * scalar, with C a multiple of 4 unless both are whole or scalar (then C is the whole size); null when the
 * broadcast has no such form (the general kernel handles it).
 */
export function rowLayout(bc: Broadcast): RowLayout | null {
  const n = bc.dims.reduce((x, y) => x * y, 1);
  for (let k = 0; k < MAX_BROADCAST_DIMS; k++) {
    const modeA = operandMode(bc, bc.stridesA, k);
    const modeB = operandMode(bc, bc.stridesB, k);
    if (modeA === null || modeB === null) continue;
    const cols = bc.dims.slice(k).reduce((x, y) => x * y, 1);
    const flat = (m: number) => m === OPERAND.full || m === OPERAND.scalar;
    if (flat(modeA) && flat(modeB)) return { cols: n, modeA, modeB };
    if (cols % 4 === 0 && cols > 0) return { cols, modeA, modeB };
  }
  return null;
}
