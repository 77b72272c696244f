// fill: sets every element of a tensor to one value (zeroing gradients, poisoning outputs in tests).
import { params } from "../device.ts";
import type { Tensor } from "../tensor.ts";
import source from "./fill.wgsl" with { type: "text" };

const kernel = { name: "fill", source };

export function fill(t: Tensor, value: number): Tensor {
  const bits = new Uint32Array(1);
  if (t.dtype === "f32") new Float32Array(bits.buffer)[0] = value;
  else if (t.dtype === "i32") new Int32Array(bits.buffer)[0] = value;
  else bits[0] = value >>> 0;
  t.device.run(kernel, { buffers: [t.buffer], params: params(t.size, bits[0]), workgroups: t.device.grid(Math.ceil(t.size / 256)) });
  return t;
}
