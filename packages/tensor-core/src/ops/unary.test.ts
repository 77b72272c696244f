import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/unary.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { affine, copy, gelu, geluBackward, relu, reluBackward, scale } from "./unary.ts";

// Tolerances: scale/affine/relu are one or two f32 roundings; gelu and its gradient go through f32 tanh/exp,
// so 1e-5 relative plus 1e-6 absolute near the zeros of the curve.
const EXACT = [1e-6, 1e-7] as const;
const GELU = [1e-5, 1e-6] as const;

describe("unary", () => {
  for (const n of [1, 3, 1001, 70003, 1000003]) {
    test(`scale, affine, relu, gelu and gradients on ${n} elements match the CPU reference`, async () => {
      const dev = await getDevice();
      const hx = host([n], randn(n, n, 3)); // wide range: tanh saturates on both sides
      const hg = host([n], randn(n, n + 1));
      const x = Tensor.fromHost(dev, hx);
      const g = Tensor.fromHost(dev, hg);
      const check = async (what: string, got: Tensor, want: { data: Float32Array }, [rtol, atol]: readonly [number, number]) => {
        assertClose(`${what} n=${n}`, await got.read(), want.data, rtol, atol);
        got.dispose();
      };
      const o = () => poison(Tensor.empty(dev, [n]));
      await check("scale", scale(x, -1.75, { out: o() }), cpu.scale(hx, -1.75), EXACT);
      await check("affine", affine(x, 0.5, 2.25, { out: o() }), cpu.affine(hx, 0.5, 2.25), EXACT);
      await check("relu", relu(x, { out: o() }), cpu.relu(hx), EXACT);
      await check("reluBackward", reluBackward(g, x, { out: o() }), cpu.reluBackward(hg, hx), EXACT);
      await check("gelu", gelu(x, { out: o() }), cpu.gelu(hx), GELU);
      await check("geluBackward", geluBackward(g, x, { out: o() }), cpu.geluBackward(hg, hx), GELU);
      x.dispose();
      g.dispose();
    });
  }

  test("gelu matches GPT-2 values at known points", async () => {
    const dev = await getDevice();
    const x = Tensor.from(dev, [5], new Float32Array([-3, -1, 0, 1, 3]));
    // 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))), evaluated in float64
    const want = [-0.0036373920817729943, -0.15880800939172324, 0, 0.8411919906082768, 2.996362607918227];
    assertClose("gelu points", await gelu(x).read(), want, 1e-6, 1e-7);
    x.dispose();
  });

  test("copy is bit-exact for f32 and i32, and ops run in place", async () => {
    const dev = await getDevice();
    const bits = new Int32Array([-1, 0x7fc00001, -8388608, 5, 0x7f800000]);
    const src = Tensor.from(dev, [5], bits);
    const dst = poison(Tensor.empty(dev, [5], "i32"));
    expect(copy(src, dst)).toBe(dst);
    expect([...(await dst.read())]).toEqual([...bits]);
    const hx = host([77], randn(77, 9));
    const hg = host([77], randn(77, 10));
    const x = Tensor.fromHost(dev, hx);
    const g = Tensor.fromHost(dev, hg);
    reluBackward(g, x, { out: g });
    assertClose("g *= relu'(x) in place", await g.read(), cpu.reluBackward(hg, hx).data, ...EXACT);
    scale(x, 3, { out: x });
    assertClose("x *= 3 in place", await x.read(), cpu.scale(hx, 3).data, ...EXACT);
    for (const t of [src, dst, x, g]) t.dispose();
  });

  test("typed errors for dtypes and shapes", async () => {
    const dev = await getDevice();
    const f = Tensor.empty(dev, [6]);
    const i = Tensor.empty(dev, [6], "i32");
    expect(() => relu(i)).toThrow(DTypeError);
    expect(() => copy(f, i)).toThrow(DTypeError);
    expect(() => copy(f, Tensor.empty(dev, [2, 3]))).toThrow(ShapeError);
    expect(() => geluBackward(f, Tensor.empty(dev, [7]))).toThrow("[6]");
    expect(() => gelu(f, { out: Tensor.empty(dev, [5]) })).toThrow(ShapeError);
    f.dispose();
    i.dispose();
  });
});
