// Row reductions [..., C] -> [...] (rowSum, rowMean, rowMax, rowL2) and colSum [R, C] -> [C]. Neither uses
// workgroup barriers: each lane folds a contiguous run of one row (wide rows with few of them are cut into
// segments whose partials a second small launch folds; see reduce.wgsl); columns are summed in row chunks by
// lanes owning 4 columns each, then the chunks (colsum.wgsl).
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt, rowsCols } from "../shape.ts";
import { checkDType, deviceOf, output, Tensor } from "../tensor.ts";
import { dummyBuffer, launch, rowSplit } from "./alias.ts";
import { byRows, overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import type { OutOption } from "./unary.ts";
import colsumSource from "./colsum.wgsl" with { type: "text" };
import source from "./reduce.wgsl" with { type: "text" };
import { rowKernel } from "./row_io.ts";

const KIND = {
  rowSum: { op: 0, finish: 0 },
  rowMean: { op: 0, finish: 1 },
  rowMax: { op: 2, finish: 0 },
  rowL2: { op: 1, finish: 2 },
} as const satisfies Record<string, { op: number; finish: number }>;

function rowReduce(name: keyof typeof KIND, x: Tensor, out?: Tensor): Tensor {
  const dev = deviceOf(name, x);
  checkDType(name, "x", x, "f32");
  if (x.shape.length === 0) throw new ShapeError(`${name}: x must have at least 1 dim, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  const o = output(name, dev, x.shape.slice(0, -1), "f32", out);
  if (rows === 0) return o;
  // Over one binding: blocks of whole rows (x flattened to [rows, cols], out to [rows]), each reduced as below.
  const split = (ob: Tensor, [xb]: Tensor[]) => void rowReduce(name, xb, ob);
  if (byRows(name, o.reshape([rows]), [x.reshape([rows, cols])], split, [true])) return o;
  const { op, finish } = KIND[name];
  const { lanes, seg } = rowSplit(rows, cols);
  const part = lanes > 1 ? Tensor.empty(dev, [rows, lanes], "f32", `${name} partials`) : null;
  const buffers = [x.binding, part?.buffer ?? dummyBuffer(dev), o.binding];
  const kernel = rowKernel("reduce", source, cols, false);
  const stage = (s: number, l: number) => {
    const p = params(rows, cols, l, s === 1 || l === 1 ? finish : 0, { f32: 1 / cols }, 0xff800000, seg);
    const workgroups = launch(dev, s === 0 ? rows * l : rows);
    dev.run(kernel, { buffers, params: p, workgroups, overrides: { OP: op, STAGE: s } });
  };
  stage(0, lanes);
  if (part) {
    stage(1, lanes);
    part.dispose();
  }
  return o;
}

/** Sum over the last dim: [..., C] -> [...]. */
export function rowSum(x: Tensor, opts: OutOption = {}): Tensor {
  return rowReduce("rowSum", x, opts.out);
}

/** Mean over the last dim. */
export function rowMean(x: Tensor, opts: OutOption = {}): Tensor {
  return rowReduce("rowMean", x, opts.out);
}

/** Max over the last dim. */
export function rowMax(x: Tensor, opts: OutOption = {}): Tensor {
  return rowReduce("rowMax", x, opts.out);
}

/** Euclidean norm over the last dim. */
export function rowL2(x: Tensor, opts: OutOption = {}): Tensor {
  return rowReduce("rowL2", x, opts.out);
}

/** Sum over rows: [R, C] -> [C]. */
export function colSum(x: Tensor, opts: OutOption = {}): Tensor {
  const dev = deviceOf("colSum", x);
  checkDType("colSum", "x", x, "f32");
  if (x.shape.length !== 2) throw new ShapeError(`colSum: x must be [R, C], got ${fmt(x.shape)}`);
  const [rows, cols] = x.shape;
  const o = output("colSum", dev, [cols], "f32", opts.out);
  if (cols === 0) return o;
  // Chunks of rows that fit a cache (~64 KiB of x) and give ~512 (chunk, quad) invocations; at least 16 rows.
  const quads = Math.ceil(cols / 4);
  const chunkRows = Math.max(16, Math.min(Math.floor(65536 / cols), Math.ceil((rows * quads) / 512)));
  const chunks = Math.max(1, Math.ceil(rows / chunkRows));
  const colsumKernel = rowKernel("colsum", colsumSource, cols, false);
  // Chunk sums of rows [r, r + n * cr) into rows [dst0, dst0 + n) of dst.
  const run = (src: Tensor, dst: Tensor, r: number, cr: number, n: number, dst0: number) => {
    const p = params(r, cols, cr, n, dst0);
    dev.run(colsumKernel, { buffers: [src.binding, dst.binding], params: p, workgroups: launch(dev, n * quads) });
  };
  if (chunks === 1 && !overBinding(dev, x)) {
    run(x, o, rows, rows, 1, 0);
    return o;
  }
  // Over one binding: blocks of whole rows (64-row multiples), each writing its own chunks' partials, with chunks
  // made longer until all the partials fit one binding (LimitError when even one partial per block does not:
  // x over about 64 bindings).
  const blocks = ranges(rows, rowsPerBlock(dev, "colSum", rows, [cols * 4]));
  const count = (cr: number) => blocks.map(([r0, r1]) => Math.ceil((r1 - r0) / cr));
  let cr = chunkRows;
  while (count(cr).reduce((a, b) => a + b, 0) * cols * 4 > dev.maxBinding) {
    const msg = `colSum: the ${blocks.length} block sums of ${fmt(x.shape)} do not fit one binding`;
    if (cr >= blocks[0][1]) throw new LimitError(msg);
    cr *= 2;
  }
  const per = count(cr);
  const part = Tensor.empty(dev, [per.reduce((a, b) => a + b, 0), cols], "f32", "colSum partials");
  let dst0 = 0;
  blocks.forEach(([r0, r1], b) => {
    run(blocks.length === 1 ? x : x.rows(r0, r1), part, r1 - r0, cr, per[b], dst0);
    dst0 += per[b];
  });
  run(part, o, part.shape[0], part.shape[0], 1, 0);
  part.dispose();
  return o;
}
