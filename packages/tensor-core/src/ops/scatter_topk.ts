// scatterTopk: the dense [rows, cols] activation of a TopK SAE from topk's values and indices, zeros elsewhere.
// The CPU reference is cpu/scatter_topk.ts. With out (or the pairs) over one binding it runs in blocks of rows.
import { params } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { checkShape, fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { byRows } from "./blocks.ts";
import { fill } from "./fill.ts";
import source from "./scatter_topk.wgsl" with { type: "text" };

const kernel = { name: "scatter_topk", source };

export function scatterTopk(
  values: Tensor,
  indices: Tensor,
  cols: number,
  opts: { out?: Tensor } = {},
): Tensor<"f32"> {
  const device = deviceOf("scatterTopk", values, indices, ...(opts.out ? [opts.out] : []));
  checkDType("scatterTopk", "values", values, "f32");
  checkDType("scatterTopk", "indices", indices, "i32");
  if (values.shape.length !== 2) throw new ShapeError(`scatterTopk: values must be [rows, k], got ${fmt(values.shape)}`);
  checkShape("scatterTopk", "indices", indices.shape, values.shape);
  const [rows, k] = values.shape;
  const out = output("scatterTopk", device, [rows, cols], "f32", opts.out);
  const split = (ob: Tensor, [vb, ib]: Tensor[]) => void scatterTopk(vb, ib, cols, { out: ob });
  if (rows > 0 && byRows("scatterTopk", out, [values, indices], split, [true, true])) return out;
  fill(out, 0);
  if (rows * k === 0) return out;
  const buffers = [values.binding, indices.binding, out.binding];
  const workgroups = device.grid(Math.ceil((rows * k) / 64));
  device.run(kernel, { buffers, params: params(rows, k, cols, 0), workgroups });
  return out;
}
