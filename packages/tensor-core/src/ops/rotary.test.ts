import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/rotary.ts";
import { getDevice } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { numel } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { rotary } from "./rotary.ts";

// Tolerance: two products and a sum per element in f32.
const TOL = 1e-6;

function tables(pos: number, half: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(pos * half);
  const sin = new Float32Array(pos * half);
  for (let t = 0; t < pos; t++) {
    for (let d = 0; d < half; d++) {
      const a = (t + 3) / 10000 ** (d / half);
      cos[t * half + d] = Math.cos(a);
      sin[t * half + d] = Math.sin(a);
    }
  }
  return { cos, sin };
}

describe("rotary", () => {
  for (const [shape, rot] of [[[2, 7, 3, 10], 10], [[1, 13, 5, 16], 4], [[3, 1, 2, 6], 2], [[2, 33, 3, 24], 24]] as const) {
    test(`matches the CPU reference on ${JSON.stringify(shape)} rotaryDim ${rot}`, async () => {
      const dev = await getDevice();
      const { cos, sin } = tables(shape[1], rot / 2);
      const hx = host([...shape], randn(numel(shape), 17));
      const hc = host([shape[1], rot / 2], cos);
      const hs = host([shape[1], rot / 2], sin);
      const [x, c, s] = [hx, hc, hs].map((h) => Tensor.fromHost(dev, h));
      const out = poison(Tensor.empty(dev, [...shape]));
      expect(rotary(x, c, s, { rotaryDim: rot, out })).toBe(out);
      assertClose("rotary", await out.read(), cpu.rotary(hx, hc, hs, { rotaryDim: rot }).data, TOL, TOL);
      for (const t of [x, c, s, out]) t.dispose();
    });
  }

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.empty(dev, [1, 4, 2, 8]);
    const c = Tensor.empty(dev, [4, 2]);
    expect(() => rotary(x, c, c, { rotaryDim: 3 })).toThrow(ShapeError);
    expect(() => rotary(x, c, c, { rotaryDim: 8 })).toThrow("cos has shape [4, 2], expected [4, 4]");
    expect(() => rotary(Tensor.empty(dev, [4, 8]), c, c, { rotaryDim: 4 })).toThrow(ShapeError);
  });
});
