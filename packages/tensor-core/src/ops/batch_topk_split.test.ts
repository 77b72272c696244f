// batchTopk with x over one binding (a device capped at 16 KiB per binding: 4,096 floats), against the CPU
// reference with the outputs poisoned first: the radix select path (batch_topk_split.ts). Tolerance: exact, as in
// batch_topk.test.ts (values move without arithmetic; sign of zero included).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/batch_topk.ts";
import { Device } from "../device.ts";
import { Rng } from "../random.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { batchTopk } from "./batch_topk.ts";

describe("batchTopk over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 16 * 1024 });

  async function check(rows: number, cols: number, kTotal: number, data: Float32Array): Promise<void> {
    const hx = host([rows, cols], data);
    const x = Tensor.fromHost(dev, hx);
    expect(x.byteLength).toBeGreaterThan(dev.maxBinding);
    const out = poison(Tensor.empty(dev, [rows, cols]));
    const threshold = poison(Tensor.empty(dev, [1]));
    const got = batchTopk(x, kTotal, { out, threshold });
    expect(got.out).toBe(out);
    const want = cpu.batchTopk(hx, kTotal);
    const go = await out.read();
    const gt = await threshold.read();
    const what = `batchTopk [${rows}, ${cols}] kTotal=${kTotal}`;
    for (let i = 0; i < rows * cols; i++) {
      if (!Object.is(go[i], want.out.data[i])) {
        const at = `[${Math.floor(i / cols)}, ${i % cols}]`;
        throw new Error(`${what}: element ${at} (x = ${data[i]}): got ${go[i]}, expected ${want.out.data[i]}`);
      }
    }
    if (!Object.is(gt[0], want.threshold.data[0])) {
      throw new Error(`${what}: threshold ${gt[0]}, expected ${want.threshold.data[0]}`);
    }
    for (const t of [x, out, threshold]) t.dispose();
  }

  const cases: Array<[number, number, number]> = [
    [300, 37, 300 * 5], // 64-row blocks, the last one short
    [203, 52, 203 * 3], // vec4 rows
    [130, 64, 1000], // blocks of exactly one binding
    [150, 33, 1],
    [150, 33, 150 * 33],
  ];
  for (const [rows, cols, kTotal] of cases) {
    test(`[${rows}, ${cols}] kTotal=${kTotal} matches the CPU reference`, async () => {
      await check(rows, cols, kTotal, randn(rows * cols, rows * 7 + cols + kTotal));
    });
  }

  test("ties across blocks go by flat index (few distinct values, -0 and +0)", async () => {
    const [rows, cols] = [211, 45];
    const rng = new Rng(9);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(5) - 2;
    for (const k of [1, 2000, 5000, rows * cols]) await check(rows, cols, k, data);
    const zeros = new Float32Array(rows * cols);
    for (let i = 0; i < zeros.length; i++) zeros[i] = i % 3 === 0 ? -0 : i % 101 === 0 ? rng.normal() : 0;
    for (const k of [5, 300, 4000, 8000]) await check(rows, cols, k, zeros);
  });
});
