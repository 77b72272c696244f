import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/reduce.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { colSum, rowL2, rowMax, rowMean, rowSum } from "./reduce.ts";

// Tolerances: f32 partial sums against a float64 reference. Sums of n unit normals have magnitude ~sqrt(n)
// while f32 rounding error grows ~n * 6e-8, so atol scales with the row length; max is exact.
const tol = (cols: number) => ({ rtol: 1e-5, atol: 1e-6 * Math.sqrt(cols) + 1e-6 });
const rowOps = { rowSum, rowMean, rowMax, rowL2 } as const;

const shapes: Shape[] = [[1, 1], [5, 3], [7, 65], [3, 4, 257], [129, 768], [3, 100003], [1, 131072], [2, 70001]];

describe("row reductions", () => {
  for (const shape of shapes) {
    test(`rowSum/rowMean/rowMax/rowL2 on ${JSON.stringify(shape)} match the CPU reference`, async () => {
      const dev = await getDevice();
      const hx = host(shape, randn(numel(shape), numel(shape) + 7));
      const x = Tensor.fromHost(dev, hx);
      const cols = shape[shape.length - 1];
      for (const [name, op] of Object.entries(rowOps)) {
        const want = cpu[name as keyof typeof rowOps](hx);
        const out = poison(Tensor.empty(dev, want.shape));
        expect(op(x, { out })).toBe(out);
        const { rtol, atol } = name === "rowMax" ? { rtol: 0, atol: 0 } : tol(cols);
        assertClose(`${name} ${JSON.stringify(shape)}`, await out.read(), want.data, rtol, atol);
        out.dispose();
      }
      x.dispose();
    });
  }

  test("rowMax of all-negative rows and rowMean of an offset row", async () => {
    const dev = await getDevice();
    const hx = host([4, 1001], randn(4004, 3).map((v) => v - 50));
    const x = Tensor.fromHost(dev, hx);
    assertClose("rowMax negative", await rowMax(x).read(), cpu.rowMax(hx).data, 0, 0);
    assertClose("rowMean offset", await rowMean(x).read(), cpu.rowMean(hx).data, 1e-6, 0);
    x.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    expect(() => rowSum(Tensor.empty(dev, [4], "i32"))).toThrow(DTypeError);
    expect(() => rowSum(Tensor.empty(dev, [])).dispose()).toThrow(ShapeError);
    expect(() => rowSum(Tensor.empty(dev, [3, 4]), { out: Tensor.empty(dev, [4]) })).toThrow("expected [3]");
    expect(() => colSum(Tensor.empty(dev, [2, 3, 4]))).toThrow(ShapeError);
  });
});

describe("colSum", () => {
  for (const shape of [[1, 1], [3, 5], [1000, 3], [4097, 77], [33, 1025], [20000, 1]] as Array<[number, number]>) {
    test(`colSum on ${JSON.stringify(shape)} matches the CPU reference`, async () => {
      const dev = await getDevice();
      const hx = host(shape, randn(numel(shape), shape[0] * 3 + shape[1]));
      const x = Tensor.fromHost(dev, hx);
      const out = poison(Tensor.empty(dev, [shape[1]]));
      expect(colSum(x, { out })).toBe(out);
      const { rtol, atol } = tol(shape[0]);
      assertClose(`colSum ${JSON.stringify(shape)}`, await out.read(), cpu.colSum(hx).data, rtol, atol);
      x.dispose();
      out.dispose();
    });
  }
});

// Under a forced small binding cap (16 KiB = 4,096 floats; 512 KiB for rows wide enough to be cut into segments):
// x and/or out over one binding, row counts that are not multiples of the 64-row blocks.
describe("reductions over one binding", async () => {
  const small = await Device.create({ maxBindingBytes: 16 * 1024 });
  const wide = await Device.create({ maxBindingBytes: 512 * 1024 });
  const cases: Array<[Device, Shape]> = [
    [small, [150, 61]],
    [small, [3, 50, 37]],
    [small, [5001, 1]],
    [wide, [150, 1030]], // 2 lanes per row in each block
  ];
  for (const [dev, shape] of cases) {
    test(`rowSum/rowMean/rowMax/rowL2 on ${JSON.stringify(shape)} in row blocks match the CPU reference`, async () => {
      const hx = host(shape, randn(numel(shape), numel(shape) + 11));
      const x = Tensor.fromHost(dev, hx);
      expect(x.byteLength).toBeGreaterThan(dev.maxBinding);
      const cols = shape[shape.length - 1];
      for (const [name, op] of Object.entries(rowOps)) {
        const want = cpu[name as keyof typeof rowOps](hx);
        const out = poison(Tensor.empty(dev, want.shape));
        expect(op(x, { out })).toBe(out);
        const { rtol, atol } = name === "rowMax" ? { rtol: 0, atol: 0 } : tol(cols);
        assertClose(`${name} ${JSON.stringify(shape)} split`, await out.read(), want.data, rtol, atol);
        out.dispose();
      }
      x.dispose();
    });
  }

  for (const shape of [[300, 61], [5000, 3], [1000, 3], [2100, 63]] as Array<[number, number]>) {
    test(`colSum on ${JSON.stringify(shape)} in row blocks matches the CPU reference`, async () => {
      const hx = host(shape, randn(numel(shape), shape[0] + 5 * shape[1]));
      const x = Tensor.fromHost(small, hx);
      const out = poison(Tensor.empty(small, [shape[1]]));
      expect(colSum(x, { out })).toBe(out);
      const { rtol, atol } = tol(shape[0]);
      assertClose(`colSum ${JSON.stringify(shape)} split`, await out.read(), cpu.colSum(hx).data, rtol, atol);
      x.dispose();
      out.dispose();
    });
  }

  test("colSum past one partial row per block per binding, and rows wider than a binding: LimitError", () => {
    const x = Tensor.empty(small, [4500, 63]);
    expect(() => colSum(x)).toThrow(LimitError);
    expect(() => rowSum(Tensor.empty(small, [2, 5000]))).toThrow(LimitError);
    x.dispose();
  });
});
