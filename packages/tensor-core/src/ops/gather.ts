// Row gathers and scatters through i32 index tensors: embedding lookups, gatherRows, scatterRows. Indices
// outside [0, R) give zero rows in a gather and are skipped by a scatter (kernels cannot throw); with duplicate
// scatter indices one of the source rows wins.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias, launch } from "./alias.ts";
import type { OutOption } from "./unary.ts";
import source from "./gather.wgsl" with { type: "text" };

const kernel = { name: "gather", source };

function rows2d(op: string, name: string, t: Tensor): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${name} must be [R, C], got ${fmt(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

function gather(op: string, src: Tensor, idx: Tensor, opts: OutOption): Tensor {
  const dev = deviceOf(op, src, idx);
  checkDType(op, "src", src, "f32");
  checkDType(op, "idx", idx, "i32");
  const [rows, cols] = rows2d(op, "src", src);
  const out = output(op, dev, [...idx.shape, cols], "f32", opts.out);
  checkNoAlias(op, out, { src, idx });
  const n = idx.size;
  if (n * cols > 0) dev.run(kernel, { buffers: [src.buffer, idx.buffer, out.buffer], params: params(n, cols, rows), workgroups: launch(dev, n * cols), overrides: { MODE: 0 } });
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
  if (n * cols > 0) dev.run(kernel, { buffers: [src.buffer, idx.buffer, dst.buffer], params: params(n, cols, rows), workgroups: launch(dev, n * cols), overrides: { MODE: 1 } });
  return dst;
}
