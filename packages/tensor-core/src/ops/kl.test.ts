// klRows against the float64 CPU reference, outputs poisoned first: awkward widths (not multiples of the 256 lanes of a
// row's workgroup, rows 1, leading dims), q a small perturbation of p (KL ~ 1e-3: the log-ratio of the two rows'
// sums carries it) and an unrelated q (KL ~ 1-10), V = 256,000, logits over one binding under a 4 KiB cap, p = q
// (0) and -inf entries of p. Tolerance: rtol 1e-5 plus atol 1e-6 for KL near 0 (f32 sums of terms ~|x - y|);
// measured at V = 256,000: 2e-6 relative for q near p, 4e-7 unrelated.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device, getDevice } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { klRows } from "./kl.ts";

const SHAPES = [[1, 1], [1, 5], [3, 257], [7, 1000], [2, 3, 777], [70, 33]];

async function check(dev: Device, shape: number[], seed: number, near: boolean): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const hp = host(shape, randn(n, seed, 2));
  const noise = randn(n, seed + 1, near ? 0.05 : 2);
  const hq = host(shape, near ? hp.data.map((v, i) => v + noise[i]) : noise);
  const [p, q] = [Tensor.fromHost(dev, hp), Tensor.fromHost(dev, hq)];
  const out = poison(Tensor.empty(dev, shape.slice(0, -1)));
  expect(klRows(p, q, { out })).toBe(out);
  assertClose(`kl [${shape}] near=${near}`, await out.read(), cpu.klRows(hp, hq).data, 1e-5, 1e-6);
  for (const t of [p, q, out]) t.dispose();
}

describe("klRows", () => {
  test(`awkward shapes ${SHAPES.map((s) => `[${s}]`).join(" ")}, q near p and unrelated`, async () => {
    const dev = await getDevice();
    for (const [i, shape] of SHAPES.entries()) {
      await check(dev, shape, 50 + i, true);
      await check(dev, shape, 60 + i, false);
    }
  });

  test("V = 256,000 (Gemma 2's vocabulary), 3 rows, q near p and unrelated", async () => {
    const dev = await getDevice();
    await check(dev, [3, 256000], 9, true);
    await check(dev, [3, 256000], 11, false);
  });

  test("p = q gives 0; -inf entries of p count 0; hand-computed KL(p || uniform)", async () => {
    const dev = await getDevice();
    const hp = host([2, 3], [0, Math.log(3), 1, -Infinity, 0, 0]);
    const p = Tensor.fromHost(dev, hp);
    assertClose("p = q", await klRows(p, p).read(), [0, 0], 0, 1e-7);
    const u = Tensor.fromHost(dev, host([2, 3], [0, 0, 0, 0, 0, 0]));
    const want0 = cpu.klRows(hp, host([2, 3], new Float32Array(6))).data;
    assertClose("vs uniform", await klRows(p, u).read(), want0, 1e-6, 1e-7);
    const s = 1 + 3 + Math.E;
    const want = [1 / s, 3 / s, Math.E / s].reduce((a, v) => a + v * Math.log(3 * v), 0);
    expect((await klRows(p, u).read())[0]).toBeCloseTo(want, 6);
  });

  test("over one binding (4 KiB cap): [37, 301] in blocks of 3 rows, [1, 900], [1100, 2]", async () => {
    const dev = await Device.create({ maxBindingBytes: 4096 });
    await check(dev, [37, 301], 3, true);
    await check(dev, [1, 900], 4, false);
    await check(dev, [1100, 2], 5, false);
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    expect(() => klRows(Tensor.zeros(dev, [2, 5]), Tensor.zeros(dev, [2, 4]))).toThrow(ShapeError);
    expect(() => klRows(Tensor.zeros(dev, [5]), Tensor.zeros(dev, [5]))).toThrow(ShapeError);
  });
});
