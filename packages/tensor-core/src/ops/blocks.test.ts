// Ops on tensors larger than one binding, on a device whose bindings are capped at 16 KiB (maxBindingBytes): row
// views, the window copy, and the ops that split their work by rows or elements (topk, fill, add/mul with
// broadcasting, in place too), each against the CPU reference with outputs poisoned first. Tolerances: topk, fill,
// copies are exact; binary ops 1e-6 relative (one float op per element, the reference rounds once more).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { add, mul } from "./binary.ts";
import { copyWindow } from "./blocks.ts";
import { fill } from "./fill.ts";
import { topk } from "./topk.ts";

describe("ops over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 16 * 1024 }); // 4,096 floats per binding

  test("row views: read, write, aligned offsets only", async () => {
    const data = randn(200 * 7, 1);
    const t = Tensor.from(dev, [200, 7], data);
    expect(Array.from(await t.rows(64, 130).read())).toEqual(Array.from(data.subarray(64 * 7, 130 * 7)));
    expect(() => t.rows(3, 10)).toThrow(LimitError); // byte 84 is not aligned
    expect(() => t.rows(64, 130).buffer).toThrow(LimitError); // views bind through .binding only
    t.dispose();
  });

  test("copyWindow over several dispatches", async () => {
    const [R, C] = [300, 50];
    const src = randn(R * C, 2);
    const s = Tensor.from(dev, [R, C], src);
    const d = poison(Tensor.empty(dev, [290, 31]));
    copyWindow(s, { r0: 7, c0: 11, stride: C }, d, { r0: 0, c0: 0, stride: 31 }, 290, 31);
    const want = new Float32Array(290 * 31);
    for (let r = 0; r < 290; r++) for (let c = 0; c < 31; c++) want[r * 31 + c] = src[(r + 7) * C + c + 11];
    expect(Array.from(await d.read())).toEqual(Array.from(want));
    for (const t of [s, d]) t.dispose();
  });

  test("topk in row blocks", async () => {
    const [rows, cols, k] = [150, 61, 9]; // x 36 KiB: blocks of 64 rows
    const hx = host([rows, cols], randn(rows * cols, 3));
    const x = Tensor.fromHost(dev, hx);
    const values = poison(Tensor.empty(dev, [rows, k]));
    const indices = poison(Tensor.empty(dev, [rows, k], "i32"));
    topk(x, k, { values, indices });
    const want = cpu.topk(hx, k);
    expect(Array.from(await values.read())).toEqual(Array.from(want.values.data));
    expect(Array.from(await indices.read())).toEqual(Array.from(want.indices.data));
    for (const t of [x, values, indices]) t.dispose();
  });

  test("fill in element blocks", async () => {
    const t = poison(Tensor.empty(dev, [10001]));
    fill(t, 2.5);
    expect((await t.read()).every((v) => v === 2.5)).toBe(true);
    t.dispose();
  });

  test("add and mul: whole, row-broadcast [C], column [R, 1], in place", async () => {
    const [R, C] = [210, 52];
    const ha = host([R, C], randn(R * C, 4));
    for (const hb of [host([R, C], randn(R * C, 5)), host([C], randn(C, 6)), host([R, 1], randn(R, 7))]) {
      const [a, b] = [Tensor.fromHost(dev, ha), Tensor.fromHost(dev, hb)];
      const out = poison(Tensor.empty(dev, [R, C]));
      mul(a, b, { out });
      assertClose(`mul ${hb.shape}`, await out.read(), cpu.mul(ha, hb).data, 1e-6, 0);
      add(a, b, { out: a }); // in place
      assertClose(`add in place ${hb.shape}`, await a.read(), cpu.add(ha, hb).data, 1e-6, 0);
      for (const t of [a, b, out]) t.dispose();
    }
  });
});
