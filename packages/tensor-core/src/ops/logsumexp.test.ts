// rowLogSumExp against the float64 CPU reference, outputs poisoned first: awkward widths (not multiples of the 256
// lanes of a row's workgroup, V = 1, rows 1, leading dims), large offsets (the max shift), -inf entries, the
// Gemma-sized V = 256,000, and logits over one binding under a 4 KiB cap (blocks bound from aligned starts).
// Tolerance: rtol 1e-5 (the brief's bound; f32 with compensated per-lane sums and a pairwise tree).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { rowLogSumExp } from "./logsumexp.ts";

const SHAPES = [[1, 1], [1, 5], [3, 257], [7, 1000], [2, 3, 777], [70, 33]];

async function check(dev: Device, shape: number[], seed: number, std = 2, shift = 0): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const h = host(shape, randn(n, seed, std).map((v) => v + shift));
  const x = Tensor.fromHost(dev, h);
  const out = poison(Tensor.empty(dev, shape.slice(0, -1)));
  expect(rowLogSumExp(x, { out })).toBe(out);
  assertClose(`lse [${shape}]`, await out.read(), cpu.rowLogSumExp(h).data, 1e-5, 0);
  x.dispose();
  out.dispose();
}

describe("rowLogSumExp", () => {
  test(`awkward shapes ${SHAPES.map((s) => `[${s}]`).join(" ")}, shifted by 0 and 80`, async () => {
    const dev = await getDevice();
    for (const [i, shape] of SHAPES.entries()) {
      await check(dev, shape, 10 + i);
      await check(dev, shape, 20 + i, 5, 80);
    }
  });

  test("V = 256,000 (Gemma 2's vocabulary), 3 rows", async () => {
    await check(await getDevice(), [3, 256000], 7, 3);
  });

  test("-inf entries count 0; a hand-computed row", async () => {
    const dev = await getDevice();
    const h = host([2, 3], [0, Math.log(3), -Infinity, -Infinity, 1, -Infinity]);
    const out = rowLogSumExp(Tensor.fromHost(dev, h));
    assertClose("lse", await out.read(), [Math.log(4), 1], 1e-6, 0);
  });

  test("4 KiB cap: [37, 301] (3-row blocks), [1, 1024] (one 4 KiB row); rows that do not fit: LimitError", async () => {
    const dev = await Device.create({ maxBindingBytes: 4096 });
    await check(dev, [37, 301], 3);
    await check(dev, [1, 1024], 4); // one row of exactly one binding (from an aligned start)
    expect(() => rowLogSumExp(Tensor.zeros(dev, [1, 1025]))).toThrow(LimitError);
    // row 1 of [2, 1000] starts 160 bytes past an aligned offset: its span is 4,160 bytes
    expect(() => rowLogSumExp(Tensor.zeros(dev, [2, 1000]))).toThrow(/a row of 4000 bytes/);
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    expect(() => rowLogSumExp(Tensor.zeros(dev, [5]))).toThrow(ShapeError);
    expect(() => rowLogSumExp(Tensor.zeros(dev, [2, 5], "i32"))).toThrow(DTypeError);
    expect(() => rowLogSumExp(Tensor.zeros(dev, [2, 5]), { out: Tensor.zeros(dev, [3]) })).toThrow(ShapeError);
  });
});
