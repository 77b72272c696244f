import { describe, expect, test } from "bun:test";
import * as cpuKept from "../cpu/batch_topk_kept.ts";
import * as cpu from "../cpu/batch_topk.ts";
import { Device, getDevice } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { batchTopk } from "./batch_topk.ts";
import { batchTopkKept } from "./batch_topk_kept.ts";

// Tolerance: exact. batchTopkKept moves or zeroes values and takes a minimum: every element of out and the logged
// value (sign of zero included) must equal the CPU reference's, applied to the CPU batchTopk.
async function check(rows: number, cols: number, kTotal: number, data: Float32Array, slot: number,
  dev?: Device): Promise<number> {
  dev ??= await getDevice();
  const hx = host([rows, cols], data);
  const x = Tensor.fromHost(dev, hx);
  const { out, threshold } = batchTopk(x, kTotal);
  const log = poison(Tensor.empty(dev, [4]));
  batchTopkKept(out, threshold, log, slot);
  const want = cpu.batchTopk(hx, kTotal);
  const wantLog = host([4], new Float32Array(4).fill(NaN));
  cpuKept.batchTopkKept(want.out, want.threshold, wantLog, slot);
  const [go, gl] = [await out.read(), await log.read()];
  const what = `batchTopkKept [${rows}, ${cols}] kTotal=${kTotal}`;
  for (let i = 0; i < rows * cols; i++) {
    if (!Object.is(go[i], want.out.data[i])) throw new Error(`${what}: out[${i}] ${go[i]}, expected ${want.out.data[i]}`);
  }
  for (let s = 0; s < 4; s++) {
    if (!Object.is(gl[s], wantLog.data[s])) throw new Error(`${what}: log[${s}] ${gl[s]}, expected ${wantLog.data[s]}`);
  }
  for (const t of [x, out, threshold, log]) t.dispose();
  return gl[slot];
}

describe("batchTopkKept", () => {
  test("positive threshold: out is the selection, the log holds the threshold", async () => {
    const v = await check(37, 1000, 37 * 7, randn(37 * 1000, 5), 1);
    expect(v).toBeGreaterThan(0);
  });

  test("fewer positives than kTotal: out is every positive value, the log holds the smallest", async () => {
    const data = randn(9 * 300, 6).map((x) => x - 2.5); // about 0.6% positive
    const positives = data.filter((x) => x > 0);
    expect(positives.length).toBeGreaterThan(0);
    expect(positives.length).toBeLessThan(9 * 40);
    const v = await check(9, 300, 9 * 40, data, 2);
    expect(v).toBe(Math.min(...positives));
  });

  test("nothing positive: out is all zeros, the log holds 0; zeros and -0 count as not positive", async () => {
    const data = randn(5 * 64, 7).map((x) => -Math.abs(x));
    data[3] = 0;
    data[4] = -0;
    expect(await check(5, 64, 20, data, 0)).toBe(0);
    expect(await check(5, 64, 20, new Float32Array(5 * 64), 3)).toBe(0);
  });

  test("out over one binding (16 KiB cap): element blocks, one minimum", async () => {
    const dev = await Device.create({ maxBindingBytes: 16 * 1024 });
    const data = randn(120 * 50, 8).map((x) => x - 2.5);
    expect(data.byteLength).toBeGreaterThan(dev.maxBinding);
    expect(await check(120, 50, 120 * 20, data, 1, dev)).toBe(Math.min(...data.filter((x) => x > 0)));
    expect(await check(120, 50, 120, randn(120 * 50, 9), 2, dev)).toBeGreaterThan(0);
  });

  test("errors: threshold not [1], slot outside the log", async () => {
    const dev = await getDevice();
    const out = Tensor.zeros(dev, [2, 3]);
    const log = Tensor.zeros(dev, [2]);
    expect(() => batchTopkKept(out, Tensor.zeros(dev, [2]), log, 0)).toThrow(ShapeError);
    expect(() => batchTopkKept(out, Tensor.zeros(dev, [1]), log, 2)).toThrow(LimitError);
    for (const t of [out, log]) t.dispose();
  });
});
