import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/adam.ts";
import * as cpuNorm from "../cpu/sum_squares.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, randn } from "../testing.ts";
import { adam } from "./adam.ts";
import { clipScale, sumSquares } from "./sum_squares.ts";
import golden from "./adam.golden.json" with { type: "json" };

// Tolerance: a few f32 roundings per step against float64 (rtol 1e-5); the torch golden (adam.golden.json, written
// by torch.optim.Adam/AdamW in float32 for 3 steps, lr 0.01) within rtol 1e-5, atol 1e-7.
describe("adam", () => {
  for (const weightDecay of [0, 0.05]) {
    test(`3 steps on [1001] (weightDecay ${weightDecay}, lr changing per step) match the CPU reference`, async () => {
      const dev = await getDevice();
      const n = 1001;
      const hp = host([n], randn(n, 1));
      const hm = host([n], new Float32Array(n));
      const hv = host([n], new Float32Array(n));
      const p = Tensor.fromHost(dev, hp);
      const m = Tensor.zeros(dev, [n]);
      const v = Tensor.zeros(dev, [n]);
      for (let step = 1; step <= 3; step++) {
        const hg = host([n], randn(n, 10 + step, 0.5));
        const g = Tensor.fromHost(dev, hg);
        const opts = { lr: 1e-3 * step, beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay, step };
        adam(p, g, m, v, opts);
        cpu.adam(hp, hg, hm, hv, opts);
        g.dispose();
      }
      assertClose("param", await p.read(), hp.data, 1e-5, 1e-7);
      assertClose("m", await m.read(), hm.data, 1e-5, 1e-8);
      assertClose("v", await v.read(), hv.data, 1e-5, 1e-10);
      for (const t of [p, m, v]) t.dispose();
    });
  }

  for (const [name, weightDecay] of [["adam", 0], ["adamw", 0.1]] as const) {
    test(`matches torch.optim.${name === "adam" ? "Adam" : "AdamW"} (golden)`, async () => {
      const dev = await getDevice();
      const g = golden[name];
      const n = g.p0.length;
      const p = Tensor.from(dev, [n], Float32Array.from(g.p0));
      const m = Tensor.zeros(dev, [n]);
      const v = Tensor.zeros(dev, [n]);
      g.grads.forEach((gr, i) => {
        const gt = Tensor.from(dev, [n], Float32Array.from(gr));
        adam(p, gt, m, v, { lr: 0.01, weightDecay, step: i + 1 });
      });
      assertClose(`${name} param`, await p.read(), g.p, 1e-5, 1e-7);
      assertClose(`${name} m`, await m.read(), g.m, 1e-5, 1e-9);
      assertClose(`${name} v`, await v.read(), g.v, 1e-5, 1e-12);
    });
  }

  test("gradScale from a GPU global-norm clip (sumSquares + clipScale) matches the CPU chain", async () => {
    const dev = await getDevice();
    const shapes = [[33, 17], [1001], [5]];
    const hp = shapes.map((s, i) => host(s, randn(s.reduce((a, b) => a * b, 1), 60 + i)));
    const hm = hp.map((h) => host(h.shape, new Float32Array(h.data.length)));
    const hv = hp.map((h) => host(h.shape, new Float32Array(h.data.length)));
    const p = hp.map((h) => Tensor.fromHost(dev, h));
    const m = hp.map((h) => Tensor.zeros(dev, h.shape));
    const v = hp.map((h) => Tensor.zeros(dev, h.shape));
    const norms = Tensor.zeros(dev, [shapes.length]);
    const hNorms = host([shapes.length], new Float32Array(shapes.length));
    const scales: number[] = [];
    for (let step = 1; step <= 3; step++) {
      const hg = hp.map((h, i) => host(h.shape, randn(h.data.length, 70 + 10 * step + i, step)));
      const g = hg.map((h) => Tensor.fromHost(dev, h));
      g.forEach((t, i) => sumSquares(t, { out: norms, slot: i }));
      const scale = clipScale(norms, 2);
      hg.forEach((h, i) => cpuNorm.sumSquares(h, { out: hNorms, slot: i }));
      const hScale = cpuNorm.clipScale(hNorms, 2);
      scales.push(hScale.data[0]);
      const opts = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, step };
      p.forEach((t, i) => adam(t, g[i], m[i], v[i], { ...opts, gradScale: scale }));
      hp.forEach((h, i) => cpu.adam(h, hg[i], hm[i], hv[i], { ...opts, gradScale: hScale }));
      for (const t of [...g, scale]) t.dispose();
    }
    expect(Math.max(...scales)).toBeLessThan(0.5); // clipping was active
    for (let i = 0; i < shapes.length; i++) {
      assertClose(`param ${i}`, await p[i].read(), hp[i].data, 1e-5, 1e-7);
      assertClose(`m ${i}`, await m[i].read(), hm[i].data, 1e-5, 1e-8);
      assertClose(`v ${i}`, await v[i].read(), hv[i].data, 1e-5, 1e-10);
    }
    for (const t of [...p, ...m, ...v, norms]) t.dispose();
  });

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const a = Tensor.zeros(dev, [4]);
    const b = Tensor.zeros(dev, [5]);
    const i = Tensor.zeros(dev, [4], "i32");
    expect(() => adam(a, b, a, a, { lr: 1, step: 1 })).toThrow(ShapeError);
    expect(() => adam(a, i, a, a, { lr: 1, step: 1 })).toThrow(DTypeError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 0 })).toThrow(LimitError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 1, beta2: 1 })).toThrow(LimitError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 1, gradScale: a })).toThrow(ShapeError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 1, gradScale: Tensor.zeros(dev, [1], "i32") })).toThrow(DTypeError);
  });
});
