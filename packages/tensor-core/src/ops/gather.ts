// Row gathers and scatters through i32 index tensors: embedding lookups, gatherRows, scatterRows. Indices
// outside [0, R) give zero rows in a gather and are skipped by a scatter (kernels cannot throw); with duplicate
// scatter indices one of the source rows wins. Over one binding, the indexed matrix is cut into blocks of rows and
// the index list (with its rows) into blocks of indices, one launch per pair; nothing is cut when all fits.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias, launch } from "./alias.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import type { OutOption } from "./unary.ts";
import source from "./gather.wgsl" with { type: "text" };

const kernel = { name: "gather", source };

function rows2d(op: string, name: string, t: Tensor): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${name} must be [R, C], got ${fmt(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

/**
 * mode 0: lists[n] = table[idx[n]]; mode 1: table[idx[n]] = lists[n]. table [R, C], idx [N], lists [N, C]; in
 * blocks of table rows x blocks of indices when any of them is over one binding.
 */
function dispatch(op: string, mode: number, table: Tensor, idx: Tensor, lists: Tensor): void {
  const dev = table.device;
  const [rows, cols] = table.shape;
  const n = idx.size;
  const run = (t: Tensor, i: Tensor, l: Tensor, base: number) => {
    const buffers = mode === 0 ? [t.binding, i.binding, l.binding] : [l.binding, i.binding, t.binding];
    const p = params(i.size, cols, t.shape[0], base, rows);
    dev.run(kernel, { buffers, params: p, workgroups: launch(dev, i.size * cols), overrides: { MODE: mode } });
  };
  if (!overBinding(dev, table, idx, lists)) return run(table, idx, lists, 0);
  const [flat, flatLists] = [idx.reshape([n]), lists.reshape([n, cols])];
  const tableBlocks = rows === 0 ? [[0, 0]] : ranges(rows, rowsPerBlock(dev, op, rows, [cols * 4]));
  const tableView = (r0: number, r1: number) => (tableBlocks.length === 1 ? table : table.rows(r0, r1));
  for (const [n0, n1] of ranges(n, rowsPerBlock(dev, op, n, [cols * 4, 4]))) {
    for (const [r0, r1] of tableBlocks) run(tableView(r0, r1), flat.rows(n0, n1), flatLists.rows(n0, n1), r0);
  }
}

function gather(op: string, src: Tensor, idx: Tensor, opts: OutOption): Tensor {
  const dev = deviceOf(op, src, idx);
  checkDType(op, "src", src, "f32");
  checkDType(op, "idx", idx, "i32");
  const [rows, cols] = rows2d(op, "src", src);
  const out = output(op, dev, [...idx.shape, cols], "f32", opts.out);
  checkNoAlias(op, out, { src, idx });
  const n = idx.size;
  if (n * cols > 0) dispatch(op, 0, src, idx, out);
  return out;
}

/** src [R, C], idx i32 [...] -> [..., C] with row n = src[idx[n]]. */
export function gatherRows(src: Tensor, idx: Tensor, opts: OutOption = {}): Tensor {
  return gather("gatherRows", src, idx, opts);
}

/** table [V, D], ids i32 [...] -> [..., D]. */
export function embedding(table: Tensor, ids: Tensor, opts: OutOption = {}): Tensor {
  return gather("embedding", table, ids, opts);
}

/** dst [R, C], idx i32 [N], src [N, C]: dst[idx[n]] = src[n], in place; returns dst. */
export function scatterRows(dst: Tensor, idx: Tensor, src: Tensor): Tensor {
  const dev = deviceOf("scatterRows", dst, idx, src);
  checkDType("scatterRows", "dst", dst, "f32");
  checkDType("scatterRows", "idx", idx, "i32");
  checkDType("scatterRows", "src", src, "f32");
  const [rows, cols] = rows2d("scatterRows", "dst", dst);
  const n = idx.size;
  checkShape("scatterRows", "src", src.shape, [n, cols]);
  checkNoAlias("scatterRows", dst, { src, idx });
  if (n * cols > 0 && rows > 0) dispatch("scatterRows", 1, dst, idx, src);
  return dst;
}
