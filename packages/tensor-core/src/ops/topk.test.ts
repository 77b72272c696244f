import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/topk.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { topk } from "./topk.ts";
import { scatterTopk } from "./scatter_topk.ts";
import { scatterTopk as cpuScatter } from "../cpu/scatter_topk.ts";
import { assertClose } from "../testing.ts";

// Tolerance: exact. topk moves values without arithmetic, so values and indices must equal the reference's.
async function check(rows: number, cols: number, k: number, data: Float32Array): Promise<void> {
  const dev = await getDevice();
  const hx = host([rows, cols], data);
  const x = Tensor.fromHost(dev, hx);
  const values = poison(Tensor.empty(dev, [rows, k]));
  const indices = poison(Tensor.empty(dev, [rows, k], "i32"));
  const got = topk(x, k, { values, indices });
  expect(got.values).toBe(values);
  const want = cpu.topk(hx, k);
  const gv = await values.read();
  const gi = await indices.read();
  for (let i = 0; i < rows * k; i++) {
    if (gi[i] !== want.indices.data[i] || !Object.is(gv[i], want.values.data[i])) {
      const r = Math.floor(i / k);
      throw new Error(`topk [${rows}, ${cols}] k=${k}: row ${r} slot ${i % k}: got (${gv[i]}, col ${gi[i]}), expected (${want.values.data[i]}, col ${want.indices.data[i]})`);
    }
  }
  for (const t of [x, values, indices]) t.dispose();
}

describe("topk", () => {
  const cases: Array<[number, number, number]> = [
    [37, 1000, 1],
    [37, 1000, 7],
    [37, 6143, 32],
    [40, 6144, 64],
    [17, 24576, 128],
    [37, 6143, 256],
    [3, 100003, 32],
    [2, 100003, 256],
    [5, 300, 256],
    [16, 513, 200], // rows a multiple of the workgroup's 16; k not a power of two
    [64, 256, 256],
  ];
  for (const [rows, cols, k] of cases) {
    test(`[${rows}, ${cols}] k=${k} matches the CPU reference`, async () => {
      await check(rows, cols, k, randn(rows * cols, rows + cols + k));
    });
  }

  test("ties: equal values come out in column order (few distinct values, constant rows, zeros)", async () => {
    const rows = 9;
    const cols = 5003;
    const rng = new Rng(7);
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        if (r < 3) data[i] = rng.int(5) - 2; // 5 distinct values: thousands of ties at the threshold
        else if (r < 5) data[i] = 1.5; // constant row
        else if (r < 7) data[i] = c % 97 === 0 ? rng.normal() : 0; // mostly zeros, few non-zero (ReLU-like)
        else data[i] = c < 4000 ? -0 : 0; // -0 and +0 tie
      }
    }
    for (const k of [1, 33, 256]) await check(rows, cols, k, data);
  });

  test("infinities are ordinary values", async () => {
    const data = randn(4 * 700, 3);
    data[5] = Infinity;
    data[700 + 9] = -Infinity;
    for (let c = 0; c < 700; c++) data[2 * 700 + c] = -Infinity;
    await check(4, 700, 40, data);
  });

  test("scatterTopk rebuilds the dense [37, 1000] activation from topk (zeros elsewhere)", async () => {
    const dev = await getDevice();
    const hx = host([37, 1000], randn(37 * 1000, 11));
    const x = Tensor.fromHost(dev, hx);
    const { values, indices } = topk(x, 13);
    const dense = poison(Tensor.empty(dev, [37, 1000]));
    expect(scatterTopk(values, indices, 1000, { out: dense })).toBe(dense);
    const want = cpu.topk(hx, 13);
    assertClose("scatterTopk", await dense.read(), cpuScatter(want.values, want.indices, 1000).data, 0, 0);
    expect(() => scatterTopk(values, values, 1000)).toThrow(DTypeError);
    for (const t of [x, values, indices, dense]) t.dispose();
  });

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.from(dev, [3, 10], randn(30, 1));
    expect(() => topk(x, 11)).toThrow(LimitError);
    expect(() => topk(x, 0)).toThrow(LimitError);
    const wide = Tensor.empty(dev, [1, 300]);
    expect(() => topk(wide, 257)).toThrow(LimitError);
    const huge = Tensor.empty(dev, [1, 131073]);
    expect(() => topk(huge, 4)).toThrow(LimitError);
    const ints = Tensor.empty(dev, [3, 10], "i32");
    expect(() => topk(ints, 2)).toThrow(DTypeError);
    expect(() => topk(x.reshape([30]), 2)).toThrow(ShapeError);
    expect(() => topk(x, 2, { indices: Tensor.empty(dev, [3, 2], "f32") })).toThrow(DTypeError);
    expect(() => topk(x, 2, { values: Tensor.empty(dev, [3, 3]) })).toThrow(ShapeError);
    for (const t of [x, wide, huge, ints]) t.dispose();
  });
});
