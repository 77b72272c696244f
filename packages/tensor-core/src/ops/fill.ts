// fill: sets every element of a tensor to one value (zeroing gradients, poisoning outputs in tests).
import { params } from "../device.ts";
import type { Tensor } from "../tensor.ts";
import source from "./fill.wgsl" with { type: "text" };
import { ranges, rowsPerBlock } from "./blocks.ts";

const kernel = { name: "fill", source };

export function fill(t: Tensor, value: number): Tensor {
  const bits = new Uint32Array(1);
  if (t.dtype === "f32") new Float32Array(bits.buffer)[0] = value;
  else if (t.dtype === "i32") new Int32Array(bits.buffer)[0] = value;
  else bits[0] = value >>> 0;
  const flat = t.reshape([t.size]);
  const per = rowsPerBlock(t.device, "fill", t.size, [4]); // over one binding: element blocks bound as ranges
  for (const [e0, e1] of ranges(t.size, per)) {
    const part = per === t.size ? flat : flat.rows(e0, e1);
    const workgroups = t.device.grid(Math.ceil((e1 - e0) / 256));
    t.device.run(kernel, { buffers: [part.binding], params: params(e1 - e0, bits[0]), workgroups });
  }
  return t;
}
