// CPU references for add/sub/mul/div with numpy broadcasting (float64 arithmetic, rounded to f32 on store).
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { numel } from "../shape.ts";
import { broadcast } from "../ops/broadcast.ts";

type Fn = (x: number, y: number) => number;

function binary(op: string, a: HostTensor, b: HostTensor, f: Fn): HostTensor<"f32"> {
  checkDType(op, "a", a, "f32");
  checkDType(op, "b", b, "f32");
  const bc = broadcast(op, a.shape, b.shape);
  const [d0, d1, d2, d3] = bc.dims;
  const [a0, a1, a2, a3] = bc.stridesA;
  const [b0, b1, b2, b3] = bc.stridesB;
  const out = new Float32Array(numel(bc.shape));
  let o = 0;
  for (let i = 0; i < d0; i++)
    for (let j = 0; j < d1; j++)
      for (let k = 0; k < d2; k++)
        for (let l = 0; l < d3; l++) {
          out[o++] = f(a.data[i * a0 + j * a1 + k * a2 + l * a3], b.data[i * b0 + j * b1 + k * b2 + l * b3]);
        }
  return host(bc.shape, out);
}

export const add = (a: HostTensor, b: HostTensor): HostTensor<"f32"> => binary("add", a, b, (x, y) => x + y);
export const sub = (a: HostTensor, b: HostTensor): HostTensor<"f32"> => binary("sub", a, b, (x, y) => x - y);
export const mul = (a: HostTensor, b: HostTensor): HostTensor<"f32"> => binary("mul", a, b, (x, y) => x * y);
export const div = (a: HostTensor, b: HostTensor): HostTensor<"f32"> => binary("div", a, b, (x, y) => x / y);
