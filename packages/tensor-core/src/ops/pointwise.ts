// exp and tanh of a scaled tensor (out = f(s * a)), same shape, one invocation per element: the maps unary.ts does
// not have (JumpReLU's threshold exp(log_threshold) and its tanh sparsity term). CPU reference: cpu/pointwise.ts.
import { params } from "../device.ts";
import { checkDType, output, type Tensor } from "../tensor.ts";
import source from "./pointwise.wgsl" with { type: "text" };
import type { OutOption } from "./unary.ts";

const kernel = { name: "pointwise", source };
const OP = { exp: 0, tanh: 1 } as const satisfies Record<string, number>;

function run(op: keyof typeof OP, a: Tensor, s: number, out?: Tensor): Tensor {
  checkDType(op, "a", a, "f32");
  const o = output(op, a.device, a.shape, "f32", out);
  a.device.run(kernel, {
    buffers: [a.buffer, o.buffer],
    params: params(a.size, { f32: s }),
    workgroups: a.device.grid(Math.ceil(a.size / 256)),
    overrides: { OP: OP[op] },
  });
  return o;
}

/** exp(s * a). */
export function exp(a: Tensor, s = 1, opts: OutOption = {}): Tensor {
  return run("exp", a, s, opts.out);
}

/** tanh(s * a). */
export function tanh(a: Tensor, s = 1, opts: OutOption = {}): Tensor {
  return run("tanh", a, s, opts.out);
}
