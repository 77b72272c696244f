import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/sum_squares.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { clipScale, sumSquares } from "./sum_squares.ts";

// Tolerance: sumSquares accumulates 256 f32 lane sums then a tree; against float64 that is a few ulps times
// sqrt(n / 256) in practice: rtol 1e-5. clipScale is one sqrt and a divide in f32 on an exact sum of <= 5 f32 values:
// rtol 1e-6.
const SHAPES = [[1], [255], [1000], [37, 129], [70001]];

describe("sumSquares", () => {
  test(`one slot per tensor (${SHAPES.map((s) => `[${s}]`).join(" ")}) into a poisoned norms tensor`, async () => {
    const dev = await getDevice();
    const norms = poison(Tensor.empty(dev, [SHAPES.length]));
    const want = host([SHAPES.length], new Float32Array(SHAPES.length));
    const xs = SHAPES.map((shape, slot) => {
      const hx = host(shape, randn(shape.reduce((a, b) => a * b, 1), 40 + slot, 1 + slot));
      cpu.sumSquares(hx, { out: want, slot });
      const x = Tensor.fromHost(dev, hx);
      expect(sumSquares(x, { out: norms, slot })).toBe(norms);
      return x;
    });
    assertClose("norms", await norms.read(), want.data, 1e-5, 0);
    for (const t of [norms, ...xs]) t.dispose();
  });

  test("writes only its slot; default out is a fresh [1]", async () => {
    const dev = await getDevice();
    const hx = host([3, 333], randn(999, 7));
    const x = Tensor.fromHost(dev, hx);
    const norms = poison(Tensor.empty(dev, [4]));
    sumSquares(x, { out: norms, slot: 2 });
    const got = await norms.read();
    expect([0, 1, 3].map((i) => Number.isNaN(got[i]))).toEqual([true, true, true]);
    assertClose("slot 2", [got[2]], cpu.sumSquares(hx).data, 1e-5, 0);
    const fresh = sumSquares(x);
    expect(fresh.shape).toEqual([1]);
    assertClose("fresh", await fresh.read(), cpu.sumSquares(hx).data, 1e-5, 0);
    for (const t of [x, norms, fresh]) t.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.zeros(dev, [10]);
    const norms = Tensor.zeros(dev, [3]);
    expect(() => sumSquares(x, { out: norms, slot: 3 })).toThrow(LimitError);
    expect(() => sumSquares(Tensor.zeros(dev, [10], "i32"))).toThrow(DTypeError);
    expect(() => sumSquares(x, { out: x })).toThrow(ShapeError);
    expect(() => clipScale(Tensor.zeros(dev, [2, 2]), 1)).toThrow(ShapeError);
    expect(() => clipScale(norms, NaN)).toThrow(LimitError);
  });
});

describe("clipScale", () => {
  for (const [label, sq, maxNorm] of [
    ["clipping (norm 5 > 1)", [9, 16], 1],
    ["no clipping (norm 5 < 10)", [9, 16], 10],
    ["maxNorm 0 turns clipping off", [9, 16], 0],
    ["zero gradient", [0, 0, 0], 1],
    ["five slots, awkward values", [0.013, 2.5e-4, 7.25, 1e-9, 0.5], 0.75],
  ] as const) {
    test(label, async () => {
      const dev = await getDevice();
      const hs = host([sq.length], Float32Array.from(sq));
      const s = Tensor.fromHost(dev, hs);
      const out = poison(Tensor.empty(dev, [1]));
      expect(clipScale(s, maxNorm, { out })).toBe(out);
      const want = cpu.clipScale(hs, maxNorm);
      assertClose(label, await out.read(), want.data, 1e-6, 0);
      for (const t of [s, out]) t.dispose();
    });
  }

  test("the CPU reference is torch's coefficient", () => {
    expect(cpu.clipScale(host([2], [9, 16]), 1).data[0]).toBeCloseTo(1 / (5 + 1e-6), 7);
    expect(cpu.clipScale(host([2], [9, 16]), 10).data[0]).toBe(1);
  });
});
