// Same-shape elementwise maps (no broadcasting; see binary.ts for that): scale, affine, copy, relu, gelu and the
// activation gradients. All run one vec4 kernel specialised by an OP override; any of them may run in place
// (out = an input).
import { params } from "../device.ts";
import { checkShape } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { aliasing, spans } from "./alias.ts";
import { overBinding, ranges, rowsPerBlock } from "./blocks.ts";
import source from "./unary.wgsl" with { type: "text" };

const kernel = { name: "unary", source };

const OP = { copy: 0, affine: 1, relu: 2, gelu: 3, reluBackward: 4, geluBackward: 5 } as const satisfies Record<string, number>;

export interface OutOption {
  /** Write here instead of a fresh tensor (same shape and dtype as the result; may be an input). */
  out?: Tensor;
}

function run(op: keyof typeof OP, a: Tensor, b: Tensor | null, mul: number, add: number, out?: Tensor): Tensor {
  const dev = deviceOf(op, ...(b ? [a, b] : [a]));
  if (op !== "copy") checkDType(op, b ? "gradOut" : "x", a, "f32");
  if (b) {
    checkDType(op, "x", b, "f32");
    checkShape(op, "gradOut", a.shape, b.shape);
  }
  const o = output(op, dev, a.shape, a.dtype, out);
  if (overBinding(dev, o, a, ...(b ? [b] : []))) {
    // over one binding: element blocks (multiples of 64 elements, so every view starts aligned)
    const [fa, fb, fo] = [a, b, o].map((t) => t?.reshape([t.size]));
    for (const [e0, e1] of ranges(a.size, rowsPerBlock(dev, op, a.size, [4]))) {
      run(op, fa!.rows(e0, e1), fb ? fb.rows(e0, e1) : null, mul, add, fo!.rows(e0, e1));
    }
    return o;
  }
  const { alias, buffers } = aliasing(dev, o, [a, b ?? a]);
  const n4 = Math.ceil(a.size / 4);
  const { span, workgroups } = spans(n4);
  dev.run(kernel, {
    buffers: [...buffers, o.binding],
    params: params(n4, span, { f32: mul }, { f32: add }),
    workgroups,
    overrides: { OP: OP[op], ALIAS: alias },
  });
  return o;
}

/** a * s. */
export function scale(a: Tensor, s: number, opts: OutOption = {}): Tensor {
  return run("affine", a, null, s, 0, opts.out);
}

/** a * mul + add (scalars). */
export function affine(a: Tensor, mul: number, add: number, opts: OutOption = {}): Tensor {
  return run("affine", a, null, mul, add, opts.out);
}

/** Copies src into dst (same shape and dtype, any dtype; bit-exact) and returns dst. */
export function copy(src: Tensor, dst: Tensor): Tensor {
  return run("copy", src, null, 1, 0, dst);
}

/** max(x, 0). */
export function relu(x: Tensor, opts: OutOption = {}): Tensor {
  return run("relu", x, null, 1, 0, opts.out);
}

/** gradOut where x > 0, else 0. */
export function reluBackward(gradOut: Tensor, x: Tensor, opts: OutOption = {}): Tensor {
  return run("reluBackward", gradOut, x, 1, 0, opts.out);
}

/** GPT-2's 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function gelu(x: Tensor, opts: OutOption = {}): Tensor {
  return run("gelu", x, null, 1, 0, opts.out);
}

/** gradOut * d gelu(x) / dx. */
export function geluBackward(gradOut: Tensor, x: Tensor, opts: OutOption = {}): Tensor {
  return run("geluBackward", gradOut, x, 1, 0, opts.out);
}
