import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/batch_topk.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { batchTopk } from "./batch_topk.ts";

// Tolerance: exact. batchTopk moves values without arithmetic: every element and the threshold (sign of zero
// included) must equal the reference's.
async function check(rows: number, cols: number, kTotal: number, data: Float32Array): Promise<void> {
  const dev = await getDevice();
  const hx = host([rows, cols], data);
  const x = Tensor.fromHost(dev, hx);
  const out = poison(Tensor.empty(dev, [rows, cols]));
  const threshold = poison(Tensor.empty(dev, [1]));
  const got = batchTopk(x, kTotal, { out, threshold });
  expect(got.out).toBe(out);
  expect(got.threshold).toBe(threshold);
  const want = cpu.batchTopk(hx, kTotal);
  const go = await out.read();
  const gt = await threshold.read();
  const what = `batchTopk [${rows}, ${cols}] kTotal=${kTotal}`;
  for (let i = 0; i < rows * cols; i++) {
    if (!Object.is(go[i], want.out.data[i])) {
      throw new Error(`${what}: element [${Math.floor(i / cols)}, ${i % cols}] (x = ${data[i]}): got ${go[i]}, expected ${want.out.data[i]}`);
    }
  }
  if (!Object.is(gt[0], want.threshold.data[0])) throw new Error(`${what}: threshold ${gt[0]}, expected ${want.threshold.data[0]}`);
  for (const t of [x, out, threshold]) t.dispose();
}

describe("batchTopk", () => {
  const cases: Array<[number, number, number]> = [
    [37, 1000, 37 * 7],
    [21, 6143, 21 * 32],
    [5, 100, 250], // every column is a candidate
    [3, 600, 1500], // more than 256 per row: the candidate lists cannot hold the answer
    [9, 777, 1],
  ];
  for (const [rows, cols, kTotal] of cases) {
    test(`[${rows}, ${cols}] kTotal=${kTotal} matches the CPU reference`, async () => {
      await check(rows, cols, kTotal, randn(rows * cols, rows + cols + kTotal));
    });
  }

  test("rows of very different scale (some rows hold far more than their share)", async () => {
    const rows = 40;
    const cols = 1000;
    const data = randn(rows * cols, 5);
    for (let r = 0; r < rows; r += 7) for (let c = 0; c < cols; c++) data[r * cols + c] *= 10;
    await check(rows, cols, rows * 8, data);
  });

  test("ties across rows go by flat index (few distinct values, zeros, -0 and +0)", async () => {
    const rows = 17;
    const cols = 503;
    const rng = new Rng(3);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(5) - 2;
    for (const k of [1, 17 * 4, 2000, rows * cols]) await check(rows, cols, k, data);
    const zeros = new Float32Array(rows * cols);
    for (let i = 0; i < zeros.length; i++) zeros[i] = i % 3 === 0 ? -0 : i % 101 === 0 ? rng.normal() : 0;
    for (const k of [5, 300]) await check(rows, cols, k, zeros);
  });

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.from(dev, [3, 10], randn(30, 1));
    expect(() => batchTopk(x, 0)).toThrow(LimitError);
    expect(() => batchTopk(x, 31)).toThrow(LimitError);
    expect(() => batchTopk(x, 2.5)).toThrow(LimitError);
    expect(() => batchTopk(x.reshape([30]), 2)).toThrow(ShapeError);
    const ints = Tensor.empty(dev, [3, 10], "i32");
    expect(() => batchTopk(ints, 2)).toThrow(DTypeError);
    expect(() => batchTopk(x, 2, { out: Tensor.empty(dev, [3, 9]) })).toThrow(ShapeError);
    expect(() => batchTopk(x, 2, { threshold: Tensor.empty(dev, [1], "i32") })).toThrow(DTypeError);
    for (const t of [x, ints]) t.dispose();
  });
});
