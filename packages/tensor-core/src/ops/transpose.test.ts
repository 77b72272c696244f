import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/transpose.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { transpose } from "./transpose.ts";

// Tolerance: a transpose moves bits, so results must be exactly equal.

describe("transpose", () => {
  // vec4 path (both sides multiples of 4) and the scalar path (edges of partial tiles), 2-D and batched
  for (const shape of [[1, 1], [3, 5], [4, 8], [37, 129], [64, 768], [768, 64], [3, 8, 12], [2, 5, 7], [1, 1, 9]]) {
    test(`[${shape}] matches the CPU reference`, async () => {
      const dev = await getDevice();
      const n = shape.reduce((a, b) => a * b, 1);
      const hx = host(shape, randn(n, n + shape.length));
      const x = Tensor.fromHost(dev, hx);
      const want = cpu.transpose(hx);
      const out = poison(Tensor.empty(dev, want.shape));
      expect(transpose(x, { out })).toBe(out);
      expect(out.shape).toEqual(want.shape);
      expect([...(await out.read())]).toEqual([...want.data]);
      x.dispose();
      out.dispose();
    });
  }

  test("twice is the identity; the reference swaps indices", async () => {
    const dev = await getDevice();
    const hx = host([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    expect([...cpu.transpose(hx).data]).toEqual([1, 4, 2, 5, 3, 6]);
    const x = Tensor.fromHost(dev, host([12, 20], randn(240, 3)));
    const back = transpose(transpose(x));
    expect([...(await back.read())]).toEqual([...(await x.read())]);
  });

  test("typed errors: rank, dtype, aliasing", async () => {
    const dev = await getDevice();
    expect(() => transpose(Tensor.zeros(dev, [5]))).toThrow(ShapeError);
    expect(() => transpose(Tensor.zeros(dev, [2, 2], "i32"))).toThrow(DTypeError);
    const x = Tensor.zeros(dev, [4, 4]);
    expect(() => transpose(x, { out: x })).toThrow(ShapeError);
    expect(() => cpu.transpose(host([2, 2, 2, 2], new Float32Array(16)))).toThrow(ShapeError);
  });
});
