// Row blocks of row-major tensors for the logit reductions (logsumexp.ts, cross_entropy.ts, kl.ts): each block of
// rows [r0, r1) is bound as the byte range of those rows widened down to an aligned start, with the element offset
// of row r0 inside it, so a block may start at any row (no 64-row steps) and a [rows, d_vocab] tensor over one binding
// goes in blocks of as many rows as fit. Not an op.
import type { Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";

/** Rows [r0, r1) of t (rowElems 4-byte elements per row) as a binding and the element offset of row r0 in it. */
export interface RowSpan {
  binding: GPUBufferBinding;
  off: number;
}

export function rowSpan(t: Tensor, rowElems: number, r0: number, r1: number): RowSpan {
  const align = t.device.limits.minStorageBufferOffsetAlignment;
  const first = t.byteOffset + r0 * rowElems * 4;
  const end = t.byteOffset + Math.max(r1 * rowElems, r0 * rowElems + 1) * 4;
  const offset = Math.floor(first / align) * align;
  return { binding: { buffer: t.storage, offset, size: end - offset }, off: (first - offset) / 4 };
}

/**
 * Blocks [r0, r1) of `rows` rows whose spans fit one binding in every tensor (t with rowElems elements per row), each
 * as many rows as fit after the bytes its span starts below row r0 (0 for aligned starts: a row of exactly one
 * binding still fits).
 */
export function rowBlocks(
  op: string,
  device: Device,
  rows: number,
  ts: Array<[Tensor, number]>,
): Array<[number, number]> {
  const align = device.limits.minStorageBufferOffsetAlignment;
  const out: Array<[number, number]> = [];
  for (let r0 = 0; r0 < rows; ) {
    let per = rows - r0;
    for (const [t, rowElems] of ts) {
      const below = (t.byteOffset + r0 * rowElems * 4) % align;
      per = Math.min(per, Math.floor((device.maxBinding - below) / Math.max(rowElems * 4, 1)));
    }
    if (per < 1) {
      const widest = Math.max(...ts.map(([, e]) => e * 4));
      const cap = `one binding of ${device.maxBinding} bytes on ${device.describe()}`;
      throw new LimitError(`${op}: a row of ${widest} bytes (from an aligned start) does not fit ${cap}`);
    }
    out.push([r0, r0 + per]);
    r0 += per;
  }
  return out;
}
