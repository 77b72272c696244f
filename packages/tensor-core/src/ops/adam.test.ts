import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/adam.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, randn } from "../testing.ts";
import { adam } from "./adam.ts";
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

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const a = Tensor.zeros(dev, [4]);
    const b = Tensor.zeros(dev, [5]);
    const i = Tensor.zeros(dev, [4], "i32");
    expect(() => adam(a, b, a, a, { lr: 1, step: 1 })).toThrow(ShapeError);
    expect(() => adam(a, i, a, a, { lr: 1, step: 1 })).toThrow(DTypeError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 0 })).toThrow(LimitError);
    expect(() => adam(a, a, a, a, { lr: 1, step: 1, beta2: 1 })).toThrow(LimitError);
  });
});
