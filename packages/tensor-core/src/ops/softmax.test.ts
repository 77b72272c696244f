import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/softmax.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { softmax, type SoftmaxOptions } from "./softmax.ts";

// Tolerance: probabilities in [0, 1] from f32 exp and f32 sums over up to 1e5 terms.
const RTOL = 1e-4;
const ATOL = 1e-6;

const cases: Array<[Shape, Omit<SoftmaxOptions, "out">]> = [
  [[1, 1], {}],
  [[7, 3], {}],
  [[65, 257], { scale: 0.125 }],
  [[2, 100003], {}],
  [[1, 131072], { scale: 3 }],
  [[2, 3, 13, 13], { causal: true, scale: 0.5 }],
  [[3, 5, 21], { causal: true, posOffset: 16 }],
  [[2, 9, 40], { causal: true, posOffset: -3 }],
  // one launch with a lane per row over vec4 rows (several workgroups; causal rows end mid-vec4), and wide vec4
  // rows cut into segments with a short last one
  [[130, 768], {}],
  [[4, 48, 48], { causal: true, scale: 0.125 }],
  [[3, 8196], { scale: 0.5 }],
];

describe("softmax", () => {
  for (const [shape, opts] of cases) {
    test(`matches the CPU reference on ${JSON.stringify(shape)} ${JSON.stringify(opts)}`, async () => {
      const dev = await getDevice();
      const hx = host(shape, randn(numel(shape), numel(shape) + 5, 4)); // spread so exp would overflow unshifted at scale 3
      const x = Tensor.fromHost(dev, hx);
      const out = poison(Tensor.empty(dev, shape));
      expect(softmax(x, { ...opts, out })).toBe(out);
      const got = await out.read();
      const want = cpu.softmax(hx, opts).data;
      assertClose(`softmax ${JSON.stringify(shape)}`, got, want, RTOL, ATOL);
      want.forEach((w, i) => {
        if (w === 0 && got[i] !== 0) throw new Error(`masked entry ${i} is ${got[i]}, not exactly 0`);
      });
      x.dispose();
      out.dispose();
    });
  }

  test("huge logits stay finite; -inf entries get 0", async () => {
    const dev = await getDevice();
    const data = new Float32Array([1e30, 1e30, -Infinity, 0, -Infinity, -Infinity, 5, 5]);
    const x = Tensor.from(dev, [2, 4], data);
    assertClose("softmax extremes", await softmax(x).read(), [0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5], 1e-6, 0);
    x.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.empty(dev, [4, 6]);
    expect(() => softmax(Tensor.empty(dev, [4], "i32"))).toThrow(DTypeError);
    expect(() => softmax(Tensor.empty(dev, [6]), { causal: true })).toThrow("[6]");
    expect(() => softmax(x, { out: x })).toThrow(ShapeError);
    expect(() => softmax(x, { posOffset: 0.5 })).toThrow(ShapeError);
    x.dispose();
  });
});
