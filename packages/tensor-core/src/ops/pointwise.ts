// exp and tanh of a scaled tensor (out = f(s * a)), same shape, one invocation per element: the maps unary.ts does
// not have (JumpReLU's threshold exp(log_threshold) and its tanh sparsity term). CPU reference: cpu/pointwise.ts.
import { params } from "../device.ts";
import { checkDType, output, type Tensor } from "../tensor.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import source from "./pointwise.wgsl" with { type: "text" };
import type { OutOption } from "./unary.ts";

const kernel = { name: "pointwise", source };
const OP = { exp: 0, tanh: 1 } as const satisfies Record<string, number>;

function run(op: keyof typeof OP, a: Tensor, s: number, out?: Tensor): Tensor {
  checkDType(op, "a", a, "f32");
  const o = output(op, a.device, a.shape, "f32", out);
  if (overBinding(a.device, a, o)) {
    // over one binding: element blocks (multiples of 64 elements, so every view starts aligned)
    const [fa, fo] = [a.reshape([a.size]), o.reshape([o.size])];
    for (const [e0, e1] of ranges(a.size, rowsPerBlock(a.device, op, a.size, [4]))) {
      run(op, fa.rows(e0, e1), s, fo.rows(e0, e1));
    }
    return o;
  }
  a.device.run(kernel, {
    buffers: [a.binding, o.binding],
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
