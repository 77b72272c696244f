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
import { adam } from "./adam.ts";
import { add, mul } from "./binary.ts";
import { featureStats } from "./feature_stats.ts";
import { sumSquares } from "./sum_squares.ts";
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

  test("adam on a parameter over one binding, with a gradient scale", async () => {
    const shape = [130, 47];
    const n = 130 * 47;
    const [p, g, m, v] = [1, 2, 3, 4].map((i) => host(shape, i === 4 ? randn(n, 10 + i).map(Math.abs) : randn(n, 10 + i)));
    const scale = host([1], [0.5]);
    const gp = [p, g, m, v].map((h) => Tensor.fromHost(dev, h));
    const opts = { lr: 0.01, step: 3, weightDecay: 0.1 };
    adam(gp[0], gp[1], gp[2], gp[3], { ...opts, gradScale: Tensor.fromHost(dev, scale) });
    cpu.adam(p, g, m, v, { ...opts, gradScale: scale });
    for (const [i, name] of ["param", "grad", "m", "v"].entries()) assertClose(`adam ${name}`, await gp[i].read(), [p, g, m, v][i].data, 1e-5, 1e-6);
  });

  test("sumSquares into a slot, featureStats over row blocks", async () => {
    const hx = host([97, 61], randn(97 * 61, 20));
    const out = Tensor.zeros(dev, [3]);
    sumSquares(Tensor.fromHost(dev, hx), { out, slot: 2 });
    const want = cpu.sumSquares(hx).data[0];
    const got = await out.read();
    expect(got[0]).toBe(0);
    assertClose("sumSquares", [got[2]], [want], 1e-5, 0);
    // f [batch, d_sae] with a third of the latents never firing
    const [B, D] = [150, 40];
    const f = host([B, D], randn(B * D, 21).map((x, i) => (i % D) % 3 === 0 ? -Math.abs(x) : x));
    const since = host([D], Float32Array.from({ length: D }, (_, i) => i));
    const freq = host([D], Float32Array.from({ length: D }, (_, i) => 2 * i));
    const [gs, gf] = [Tensor.fromHost(dev, since), Tensor.fromHost(dev, freq)];
    featureStats(Tensor.fromHost(dev, f), gs, gf);
    cpu.featureStats(f, since, freq);
    expect(Array.from(await gs.read())).toEqual(Array.from(since.data));
    expect(Array.from(await gf.read())).toEqual(Array.from(freq.data));
  });
});
