import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/l1_backward.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { l1Backward } from "./l1_backward.ts";

// Tolerance: f32 sums over batch (column sums) and d_in (norms) against float64: rtol 1e-4, atol 1e-5.
describe("l1Backward", () => {
  for (const [batch, dSae, dIn] of [[33, 517, 77], [4, 70, 1], [1, 3, 300]] as const) {
    test(`[batch ${batch}, d_sae ${dSae}, d_in ${dIn}] matches the CPU reference (zeros in f, a zero decoder row)`, async () => {
      const dev = await getDevice();
      const fData = randn(batch * dSae, 1).map((v) => (v < 0 ? 0 : v)); // ReLU-like: many exact zeros
      fData[1] = -0.5; // a negative value too: sign -1
      const wData = randn(dSae * dIn, 2, 0.3);
      wData.fill(0, dIn, 2 * dIn); // row 1 is zero
      const hf = host([batch, dSae], fData);
      const hW = host([dSae, dIn], wData);
      const hgf = host([batch, dSae], randn(batch * dSae, 3, 0.1));
      const hgw = host([dSae, dIn], randn(dSae * dIn, 4, 0.1));
      const [f, W, gf, gw] = [hf, hW, hgf, hgw].map((h) => Tensor.fromHost(dev, h));
      const loss = poison(Tensor.empty(dev, [1]));
      expect(l1Backward(f, W, 0.37, gf, gw, { loss })).toBe(loss);
      const want = cpu.l1Backward(hf, hW, 0.37, hgf, hgw);
      assertClose("loss", await loss.read(), want.data, 1e-4, 1e-5);
      assertClose("gradF", await gf.read(), hgf.data, 1e-4, 1e-5);
      assertClose("gradWdec", await gw.read(), hgw.data, 1e-4, 1e-5);
      for (const t of [f, W, gf, gw, loss]) t.dispose();
    });
  }

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const f = Tensor.zeros(dev, [3, 5]);
    const W = Tensor.zeros(dev, [5, 2]);
    expect(() => l1Backward(f, Tensor.zeros(dev, [4, 2]), 1, f, W)).toThrow(ShapeError);
    expect(() => l1Backward(f, W, 1, Tensor.zeros(dev, [3, 4]), W)).toThrow(ShapeError);
    expect(() => l1Backward(f, W, 1, f, Tensor.zeros(dev, [5, 2], "i32"))).toThrow(DTypeError);
  });
});
