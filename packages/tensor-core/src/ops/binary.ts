// add/sub/mul/div with numpy broadcasting (up to 4 dims; [..., N] with [N], [R, C] with [R, 1], [1] scalars).
// Broadcasts with a row form (same shapes, [..., C] with [C], [R, C] with [R, 1], scalars; C % 4 == 0) run the
// span kernel binary_rows.wgsl; the rest run binary.wgsl, one invocation per element with index arithmetic.
// Both are specialised by an OP override. May run in place when out has an input's shape.
import { params } from "../device.ts";
import { sameShape } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { aliasing, launch, spans } from "./alias.ts";
import { byRows, overBinding } from "./blocks.ts";
import { broadcast, OPERAND, rowLayout } from "./broadcast.ts";
import type { OutOption } from "./unary.ts";
import source from "./binary.wgsl" with { type: "text" };
import rowsSource from "./binary_rows.wgsl" with { type: "text" };

const kernel = { name: "binary", source };
const rowsKernel = { name: "binary_rows", source: rowsSource };

const OP = { add: 0, sub: 1, mul: 2, div: 3 } as const satisfies Record<string, number>;

function binary(op: keyof typeof OP, a: Tensor, b: Tensor, out?: Tensor): Tensor {
  const dev = deviceOf(op, a, b);
  checkDType(op, "a", a, "f32");
  checkDType(op, "b", b, "f32");
  const bc = broadcast(op, a.shape, b.shape);
  const o = output(op, dev, bc.shape, "f32", out);
  if (overBinding(dev, o, a, b)) {
    // blocks of rows; leading dims flattened when each input is out's shape, a [C] row or a scalar
    const C = o.shape[o.shape.length - 1] ?? 1;
    const flat = [a, b].every((t) => sameShape(t.shape, o.shape) || t.size === C || t.size === 1) && o.shape.length > 2;
    const rows = (t: Tensor) => (flat && sameShape(t.shape, o.shape) ? t.reshape([o.size / C, C]) : t);
    if (byRows(op, rows(o), [rows(a), rows(b)], (ob, [ab, bb]) => binary(op, ab, bb, ob))) return o;
  }
  const { alias, buffers } = aliasing(dev, o, [a, b]);
  const [, d1, d2, d3] = bc.dims;
  const n = o.size;
  if (n === 0) return o;
  const layout = rowLayout(bc);
  // an aliased input is read from out at the output's own index, so it must be whole
  const aliasOk = layout && ((alias & 1) === 0 || layout.modeA === OPERAND.full) && ((alias & 2) === 0 || layout.modeB === OPERAND.full);
  if (layout && aliasOk) {
    const n4 = Math.ceil(n / 4);
    const { span, workgroups } = spans(n4);
    dev.run(rowsKernel, {
      buffers: [...buffers, o.binding],
      params: params(n4, span, layout.cols / 4),
      workgroups,
      overrides: { OP: OP[op], MODE_A: layout.modeA, MODE_B: layout.modeB, ALIAS: alias },
    });
    return o;
  }
  dev.run(kernel, {
    buffers: [...buffers, o.binding],
    params: params(n, d1, d2, d3, ...bc.stridesA, ...bc.stridesB),
    workgroups: launch(dev, n),
    overrides: { OP: OP[op], SAME: Number(sameShape(a.shape, b.shape)), ALIAS: alias },
  });
  return o;
}

/** a + b, broadcast. */
export function add(a: Tensor, b: Tensor, opts: OutOption = {}): Tensor {
  return binary("add", a, b, opts.out);
}

/** a - b, broadcast. */
export function sub(a: Tensor, b: Tensor, opts: OutOption = {}): Tensor {
  return binary("sub", a, b, opts.out);
}

/** a * b, broadcast. */
export function mul(a: Tensor, b: Tensor, opts: OutOption = {}): Tensor {
  return binary("mul", a, b, opts.out);
}

/** a / b, broadcast. */
export function div(a: Tensor, b: Tensor, opts: OutOption = {}): Tensor {
  return binary("div", a, b, opts.out);
}
