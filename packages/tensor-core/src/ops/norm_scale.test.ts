import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/norm_scale.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { normScale } from "./norm_scale.ts";

// Tolerance: rows of up to 1000 f32 values with mean 3 and std 2; f32 sums give ~1e-6 relative error.
const RTOL = 1e-5;
const ATOL = 1e-5;
const shapes: Shape[] = [[1, 1], [3, 5], [2, 7, 33], [67, 130], [5, 1001]];

describe("normScale", () => {
  for (const rms of [false, true]) {
    for (const shape of shapes) {
      test(`${rms ? "RMSNorm" : "LayerNorm"} and scale match the CPU reference on ${JSON.stringify(shape)}`, async () => {
        const dev = await getDevice();
        const n = numel(shape);
        const cols = shape[shape.length - 1];
        const hx = host(shape, randn(n, n + 5, 2).map((v) => v + 3));
        const hw = host([cols], randn(cols, 6).map((v) => 1 + 0.3 * v));
        const hb = host([cols], randn(cols, 7, 0.5));
        const [x, w, b] = [hx, hw, hb].map((h) => Tensor.fromHost(dev, h));
        const out = poison(Tensor.empty(dev, shape));
        const scaleOut = poison(Tensor.empty(dev, [...shape.slice(0, -1), 1]));
        const got = normScale(x, w, b, { rms, eps: 1e-6, out, scaleOut });
        expect(got.out).toBe(out);
        const want = cpu.normScale(hx, hw, hb, { rms, eps: 1e-6 });
        assertClose("normScale out", await out.read(), want.out.data, RTOL, ATOL);
        assertClose("normScale scale", await scaleOut.read(), want.scale.data, RTOL, ATOL);
        for (const t of [x, w, b, out, scaleOut]) t.dispose();
      });
    }
  }

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.empty(dev, [3, 8]);
    const w = Tensor.empty(dev, [8]);
    expect(() => normScale(x, Tensor.empty(dev, [7]), w)).toThrow("w has shape [7], expected [8]");
    expect(() => normScale(x, w, Tensor.empty(dev, [8], "i32"))).toThrow(DTypeError);
    expect(() => normScale(x, w, w, { out: x })).toThrow(ShapeError);
    expect(() => normScale(x, w, w, { scaleOut: Tensor.empty(dev, [3]) })).toThrow(ShapeError);
  });
});
