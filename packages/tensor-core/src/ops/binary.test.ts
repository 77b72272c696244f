import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/binary.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { add, div, mul, sub } from "./binary.ts";
import { broadcast, OPERAND, rowLayout } from "./broadcast.ts";

// Tolerance: one f32 rounding of one operation; div's divisor is kept away from 0.
const RTOL = 1e-6;
const ATOL = 1e-6;
const ops = { add, sub, mul, div } as const;

const cases: Array<[Shape, Shape]> = [
  [[1000], [1000]],
  [[37, 129], [129]],
  [[37, 129], [37, 1]],
  [[3, 5, 7, 11], [1]],
  [[1], [6, 1, 9]],
  [[2, 1, 5, 1], [3, 1, 4]],
  [[70001], [70001]],
  // row-form span kernel (binary_rows.wgsl): several spans, rows narrower than a lane group, each operand kind
  [[300, 1000], [1000]],
  [[1000, 12], [1000, 1]],
  [[8], [1001, 8]],
  [[513, 1], [1, 36]],
  [[4, 6, 16], [6, 16]],
  [[2, 3, 4, 8], [2, 3, 1, 1]],
  [[1001, 1000], [1001, 1000]],
  // no row form (or C % 4 != 0): the general kernel
  [[5, 1, 8], [5, 3, 8]],
  [[9, 6], [6]],
];

describe("binary", () => {
  for (const [sa, sb] of cases) {
    test(`add/sub/mul/div ${JSON.stringify(sa)} with ${JSON.stringify(sb)} match the CPU reference`, async () => {
      const dev = await getDevice();
      const ha = host(sa, randn(numel(sa), 1));
      const hb = host(sb, randn(numel(sb), 2).map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)));
      const a = Tensor.fromHost(dev, ha);
      const b = Tensor.fromHost(dev, hb);
      for (const [name, op] of Object.entries(ops)) {
        const want = cpu[name as keyof typeof ops](ha, hb);
        const out = poison(Tensor.empty(dev, want.shape));
        expect(op(a, b, { out })).toBe(out);
        expect(out.shape).toEqual(want.shape);
        assertClose(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, await out.read(), want.data, RTOL, ATOL);
        out.dispose();
      }
      a.dispose();
      b.dispose();
    });
  }

  test("rowLayout finds the row form of the fast-path broadcasts and none for the others", () => {
    const layout = (a: Shape, b: Shape) => rowLayout(broadcast("add", a, b));
    const { full, row, col, scalar } = OPERAND;
    expect(layout([300, 1000], [1000])).toEqual({ cols: 1000, modeA: full, modeB: row });
    expect(layout([1000, 12], [1000, 1])).toEqual({ cols: 12, modeA: full, modeB: col });
    expect(layout([513, 1], [1, 36])).toEqual({ cols: 36, modeA: col, modeB: row });
    expect(layout([2, 3, 4, 8], [2, 3, 1, 1])).toEqual({ cols: 32, modeA: full, modeB: col });
    expect(layout([3, 5, 7, 11], [1])).toEqual({ cols: 1155, modeA: full, modeB: scalar });
    expect(layout([70001], [70001])).toEqual({ cols: 70001, modeA: full, modeB: full });
    expect(layout([37, 129], [129])).toBeNull();
    expect(layout([5, 1, 8], [5, 3, 8])).toBeNull();
    expect(layout([2, 1, 5, 1], [3, 1, 4])).toBeNull();
  });

  test("runs in place when out is an input", async () => {
    const dev = await getDevice();
    const ha = host([33, 17], randn(33 * 17, 3));
    const hb = host([17], randn(17, 4));
    const a = Tensor.fromHost(dev, ha);
    const b = Tensor.fromHost(dev, hb);
    sub(a, b, { out: a });
    assertClose("a -= b", await a.read(), cpu.sub(ha, hb).data, RTOL, ATOL);
    const hc = host([17], randn(17, 5));
    const c = Tensor.fromHost(dev, hc);
    mul(b, c, { out: c });
    assertClose("c = b * c", await c.read(), cpu.mul(hb, hc).data, RTOL, ATOL);
    // the row-form kernel in place: x [300, 64] += row [64], then x = col [300, 1] * x
    const hx = host([300, 64], randn(300 * 64, 6));
    const hr = host([64], randn(64, 7));
    const hk = host([300, 1], randn(300, 8));
    const [x, r, k] = [hx, hr, hk].map((h) => Tensor.fromHost(dev, h));
    add(x, r, { out: x });
    mul(k, x, { out: x });
    assertClose("x = k * (x + r)", await x.read(), cpu.mul(hk, cpu.add(hx, hr)).data, 2 * RTOL, ATOL);
    for (const t of [a, b, c, x, r, k]) t.dispose();
  });

  test("typed errors for shapes that cannot broadcast and wrong dtypes", async () => {
    const dev = await getDevice();
    const a = Tensor.empty(dev, [4, 5]);
    const b = Tensor.empty(dev, [4]);
    const i = Tensor.empty(dev, [5], "i32");
    expect(() => add(a, b)).toThrow(ShapeError);
    expect(() => add(a, b)).toThrow("[4, 5] and [4]");
    expect(() => mul(a, i)).toThrow(DTypeError);
    expect(() => add(Tensor.empty(dev, [1, 2, 3, 4, 5]), a)).toThrow(ShapeError);
    expect(() => add(a, a, { out: Tensor.empty(dev, [5, 4]) })).toThrow(ShapeError);
    for (const t of [a, b, i]) t.dispose();
  });
});
