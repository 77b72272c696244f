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

/** Blocks [r0, r1) of `rows` rows whose spans fit one binding for tensors of these row widths (elements). */
export function rowBlocks(op: string, device: Device, rows: number, rowElems: number[]): Array<[number, number]> {
  const widest = Math.max(...rowElems, 1) * 4;
  const room = device.maxBinding - device.limits.minStorageBufferOffsetAlignment + 4;
  const per = rows * widest <= room ? rows : Math.floor(room / widest);
  if (per < 1) {
    const what = `a row of ${widest} bytes`;
    const cap = `one binding of ${device.maxBinding} bytes on ${device.describe()}`;
    throw new LimitError(`${op}: ${what} does not fit ${cap}`);
  }
  const out: Array<[number, number]> = [];
  for (let r0 = 0; r0 < rows; r0 += per) out.push([r0, Math.min(rows, r0 + per)]);
  return out;
}
