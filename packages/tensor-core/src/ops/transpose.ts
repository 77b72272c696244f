// transpose: x [R, C] -> [C, R], or [B, R, C] -> [B, C, R], on the GPU. The CPU reference is cpu/transpose.ts.
// matmul uses it on llvmpipe to turn x @ W into x @ (W^T)^T, the layout its lanes kernel reads fastest. Over one
// binding: blocks of x's rows through scratch into windows of out ([B, R, C]: blocks of batch items).
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { byBatch } from "./batch_blocks.ts";
import { alignedStep, copyWindow, overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import type { OutOption } from "./unary.ts";
import source from "./transpose.wgsl" with { type: "text" };

const scalar = { name: "transpose", source, entryPoint: "main" };
const vec4 = { name: "transpose", source, entryPoint: "main4" };

/** The shape of transpose(x): the last two dimensions swapped. */
function transposedShape(shape: readonly number[]): number[] {
  if (shape.length !== 2 && shape.length !== 3) throw new ShapeError(`transpose: x must be [R, C] or [B, R, C], got ${fmt(shape)}`);
  const s = [...shape];
  [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1], s[s.length - 2]];
  return s;
}

/** x [R, C] -> [C, R] (f32; [B, R, C] -> [B, C, R]). */
export function transpose(x: Tensor, opts: OutOption = {}): Tensor<"f32"> {
  const dev = deviceOf("transpose", x);
  checkDType("transpose", "x", x, "f32");
  const shape = transposedShape(x.shape);
  const out = output("transpose", dev, shape, "f32", opts.out);
  checkNoAlias("transpose", out, { x });
  const [R, C] = x.shape.slice(-2);
  const batch = x.shape.length === 3 ? x.shape[0] : 1;
  if (batch * R * C === 0) return out;
  if (overBinding(dev, x, out)) {
    if (batch > 1 || x.shape.length === 3) {
      if (byBatch("transpose", [out], [x], ([o], [xb]) => void transpose(xb, { out: o }))) return out;
    }
    // x [R, C] over one binding: blocks of its rows, each transposed into scratch [C, rows] and copied into its
    // window of out's columns
    for (const [r0, r1] of ranges(R, rowsPerBlock(dev, "transpose", R, [C * 4], alignedStep(dev, [C * 4])))) {
      const t = transpose(x.rows(r0, r1));
      copyWindow(t, { r0: 0, c0: 0, stride: r1 - r0 }, out, { r0: 0, c0: r0, stride: R }, C, r1 - r0);
      t.dispose();
    }
    return out;
  }
  const [tilesR, tilesC] = [Math.ceil(R / 4), Math.ceil(C / 4)];
  const [gx, gy] = dev.grid(Math.ceil((tilesR * tilesC) / 64));
  if (batch > dev.limits.maxComputeWorkgroupsPerDimension) throw new LimitError(`transpose: batch ${batch} exceeds the grid limit`);
  dev.run(R % 4 === 0 && C % 4 === 0 ? vec4 : scalar, {
    buffers: [x.binding, out.binding],
    params: params(R, C, tilesR, tilesC),
    workgroups: [gx, gy, batch],
  });
  return out;
}
