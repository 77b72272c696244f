// CPU reference for transpose: x [R, C] -> [C, R] ([B, R, C] -> [B, C, R]).
import { ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, host, type HostTensor } from "../tensor.ts";

export function transpose(x: HostTensor): HostTensor<"f32"> {
  checkDType("transpose", "x", x, "f32");
  if (x.shape.length !== 2 && x.shape.length !== 3) throw new ShapeError(`transpose: x must be [R, C] or [B, R, C], got ${fmt(x.shape)}`);
  const [R, C] = x.shape.slice(-2);
  const batch = x.shape.length === 3 ? x.shape[0] : 1;
  const y = new Float32Array(batch * R * C);
  for (let b = 0; b < batch; b++) {
    const o = b * R * C;
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) y[o + c * R + r] = x.data[o + r * C + c];
  }
  const shape = [...x.shape];
  [shape[shape.length - 2], shape[shape.length - 1]] = [C, R];
  return host(shape, y);
}
