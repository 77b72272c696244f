import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/binary.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { add, div, mul, sub } from "./binary.ts";

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
    for (const t of [a, b, c]) t.dispose();
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
