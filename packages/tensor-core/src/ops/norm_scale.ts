// normScale: LayerNorm or RMSNorm over the last dim, returning the normalised rows and each row's scale (the
// denominator, TransformerLens's `ln.hook_scale`). The model package uses it for every family's norms; layerNorm.ts
// stays the fast op for callers that need no scale. Forward only; cannot run in place. Over one binding: blocks of
// rows.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt, rowsCols } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { byRows } from "./blocks.ts";
import source from "./norm_scale.wgsl" with { type: "text" };

const kernel = { name: "norm_scale", source };

export interface NormScaleOptions {
  /** RMSNorm (no mean subtraction) instead of LayerNorm. */
  rms?: boolean;
  /** Added inside the square root; default 1e-5. */
  eps?: number;
  out?: Tensor;
  scaleOut?: Tensor;
}

/** x [..., d], w [d], b [d] -> out [..., d] and scale [..., 1]. */
export function normScale(x: Tensor, w: Tensor, b: Tensor, opts: NormScaleOptions = {}): Record<"out" | "scale", Tensor> {
  const op = "normScale";
  const dev = deviceOf(op, x, w, b);
  for (const [name, t] of [["x", x], ["w", w], ["b", b]] as const) checkDType(op, name, t, "f32");
  if (x.shape.length === 0) throw new ShapeError(`${op}: x must have at least 1 dim, got ${fmt(x.shape)}`);
  const { rows, cols } = rowsCols(x.shape);
  checkShape(op, "w", w.shape, [cols]);
  checkShape(op, "b", b.shape, [cols]);
  const out = output(op, dev, x.shape, "f32", opts.out);
  const scale = output(op, dev, [...x.shape.slice(0, -1), 1], "f32", opts.scaleOut);
  for (const o of [out, scale]) checkNoAlias(op, o, { x, w, b });
  if (out.storage === scale.storage) throw new ShapeError(`${op}: out and scaleOut share a buffer`);
  const run = (o: Tensor, [xb, wb, bb, sb]: Tensor[]) => {
    const n = o.shape[0];
    if (n === 0) return;
    dev.run(kernel, {
      buffers: [xb.binding, wb.binding, bb.binding, o.binding, sb.binding],
      params: params(n, cols, { f32: opts.eps ?? 1e-5 }),
      workgroups: dev.grid(Math.ceil(n / 64)),
      overrides: { RMS: opts.rms ? 1 : 0 },
    });
  };
  // over one binding: blocks of rows (w and b bound whole); scale's rows are cut with out's
  const [o2, x2, s2] = [out.reshape([rows, cols]), x.reshape([rows, cols]), scale.reshape([rows, 1])];
  if (!byRows(op, o2, [x2, w, b, s2], run, [true, false, false, true])) run(o2, [x2, w, b, s2]);
  return { out, scale };
}
