// crossEntropyRows against the float64 CPU reference, outputs poisoned first: awkward widths (not multiples of the 256
// lanes of a row's workgroup, V = 1, rows 1, leading dims), targets at 0 and V - 1, V = 256,000, logits over one
// binding under a 4 KiB cap (blocks of rows, targets and out bound from aligned starts), and NaN for a target outside
// [0, V). Tolerance: rtol 1e-5 plus atol 1e-6 (losses near 0 are lse - max + log(s) with s near 1 in f32).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { crossEntropyRows } from "./cross_entropy.ts";

const SHAPES = [[1, 1], [1, 5], [3, 257], [7, 1000], [2, 3, 777], [70, 33]];

async function check(dev: Device, shape: number[], seed: number, std = 2): Promise<void> {
  const lead = shape.slice(0, -1);
  const V = shape[shape.length - 1];
  const rows = lead.reduce((a, b) => a * b, 1);
  const h = host(shape, randn(rows * V, seed, std));
  const ids = Int32Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : r === 1 ? V - 1 : (r * 7919 + seed) % V));
  const ht = host(lead, ids, "i32");
  const [x, t] = [Tensor.fromHost(dev, h), Tensor.fromHost(dev, ht)];
  const out = poison(Tensor.empty(dev, lead));
  expect(crossEntropyRows(x, t, { out })).toBe(out);
  assertClose(`ce [${shape}]`, await out.read(), cpu.crossEntropyRows(h, ht).data, 1e-5, 1e-6);
  for (const u of [x, t, out]) u.dispose();
}

describe("crossEntropyRows", () => {
  test(`awkward shapes ${SHAPES.map((s) => `[${s}]`).join(" ")}`, async () => {
    const dev = await getDevice();
    for (const [i, shape] of SHAPES.entries()) await check(dev, shape, 30 + i);
  });

  test("V = 256,000 (Gemma 2's vocabulary), 3 rows", async () => {
    await check(await getDevice(), [3, 256000], 8, 3);
  });

  test("hand-computed: -log(3 / 5); a target outside [0, V) gives NaN", async () => {
    const dev = await getDevice();
    const x = Tensor.fromHost(dev, host([3, 3], [0, Math.log(3), 0, 1, 2, 3, 1, 2, 3]));
    const out = await crossEntropyRows(x, Tensor.from(dev, [3], Int32Array.from([1, -1, 3]))).read();
    expect(out[0]).toBeCloseTo(-Math.log(3 / 5), 6);
    expect([Number.isNaN(out[1]), Number.isNaN(out[2])]).toEqual([true, true]);
  });

  test("over one binding (4 KiB cap): [37, 301] (blocks of 3 rows), [1, 900], [1100, 2] (targets over)", async () => {
    const dev = await Device.create({ maxBindingBytes: 4096 });
    await check(dev, [37, 301], 3);
    await check(dev, [1, 900], 4);
    await check(dev, [1100, 2], 5);
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.zeros(dev, [2, 5]);
    expect(() => crossEntropyRows(x, Tensor.zeros(dev, [3], "i32"))).toThrow(ShapeError);
    expect(() => crossEntropyRows(x, Tensor.zeros(dev, [2]))).toThrow(DTypeError);
    expect(() => crossEntropyRows(Tensor.zeros(dev, [5]), Tensor.zeros(dev, [1], "i32"))).toThrow(ShapeError);
  });
});
