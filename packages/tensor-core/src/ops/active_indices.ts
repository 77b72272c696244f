// activeIndices(values, indices) -> indices where values > 0, else -1. After a top-k whose values were ReLU'd,
// the pairs that did not fire then cost the sparse kernels (sparse_decode.ts) and latentLists next to nothing:
// they skip indices out of range. CPU reference: cpu/sparse_decode.ts.
import { params } from "../device.ts";
import { deviceOf, output, type Tensor } from "../tensor.ts";
import { checkNoAlias } from "./alias.ts";
import { ranges, rowsPerBlock } from "./blocks.ts";
import { pairDims } from "./sparse_decode.ts";
import source from "./active_indices.wgsl" with { type: "text" };

const kernel = { name: "active_indices", source };

/** values [batch, k] f32, indices [batch, k] i32 -> [batch, k] i32. */
export function activeIndices(values: Tensor, indices: Tensor, opts: { out?: Tensor } = {}): Tensor<"i32"> {
  const device = deviceOf("activeIndices", values, indices, ...(opts.out ? [opts.out] : []));
  pairDims("activeIndices", values, indices); // values f32, indices i32, both [batch, k]
  const out = output("activeIndices", device, indices.shape, "i32", opts.out);
  checkNoAlias("activeIndices", out, { values, indices });
  const n = indices.size;
  // over one binding: blocks of elements (multiples of 64: aligned views); one dispatch when they fit
  const per = rowsPerBlock(device, "activeIndices", n, [4]);
  const part = (t: Tensor, e0: number, e1: number) => (per === n ? t : t.reshape([n]).rows(e0, e1)).binding;
  for (const [e0, e1] of ranges(n, per)) {
    const buffers = [part(values, e0, e1), part(indices, e0, e1), part(out, e0, e1)];
    device.run(kernel, { buffers, params: params(e1 - e0, 0, 0, 0), workgroups: device.grid(Math.ceil((e1 - e0) / 64)) });
  }
  return out;
}
