import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/layernorm.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { numel, type Shape } from "../shape.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { layerNorm } from "./layernorm.ts";

// Tolerance: outputs are O(|gamma| * few); f32 statistics over up to 1e5 elements give ~1e-5 relative error.
const RTOL = 1e-4;
const ATOL = 1e-4;

// one lane per row (vec4 rows, scalar rows, several workgroups) and wide rows cut into segments (the last one short)
const shapes: Shape[] = [[1, 1], [3, 2], [5, 7, 33], [129, 768], [300, 100], [2, 100003], [1, 4099], [3, 8196]];

describe("layerNorm", () => {
  for (const shape of shapes) {
    test(`matches the CPU reference on ${JSON.stringify(shape)}`, async () => {
      const dev = await getDevice();
      const n = numel(shape);
      const cols = shape[shape.length - 1];
      // offset rows (mean 3, std 2) so the variance must not cancel
      const hx = host(shape, randn(n, n + 1, 2).map((v) => v + 3));
      const hg = host([cols], randn(cols, 2).map((v) => 1 + 0.3 * v));
      const hb = host([cols], randn(cols, 3, 0.5));
      const [x, g, b] = [hx, hg, hb].map((h) => Tensor.fromHost(dev, h));
      const out = poison(Tensor.empty(dev, shape));
      expect(layerNorm(x, g, b, { out })).toBe(out);
      assertClose(`layerNorm ${JSON.stringify(shape)}`, await out.read(), cpu.layerNorm(hx, hg, hb).data, RTOL, ATOL);
      for (const t of [x, g, b, out]) t.dispose();
    });
  }

  test("large mean, small spread, and a custom eps", async () => {
    const dev = await getDevice();
    const hx = host([4, 300], randn(1200, 11, 0.01).map((v) => v + 1000));
    const hg = host([300], new Float32Array(300).fill(1));
    const hb = host([300], new Float32Array(300));
    const [x, g, b] = [hx, hg, hb].map((h) => Tensor.fromHost(dev, h));
    // f32 values near 1000 are spaced 6e-5 apart, so the f32 mean alone is off by up to ~3e-5: outputs carry
    // that times rstd (100 with eps 1e-5, 3.2 with eps 0.1).
    assertClose("layerNorm offset", await layerNorm(x, g, b).read(), cpu.layerNorm(hx, hg, hb).data, 1e-3, 2e-2);
    assertClose("layerNorm eps=0.1", await layerNorm(x, g, b, { eps: 0.1 }).read(), cpu.layerNorm(hx, hg, hb, { eps: 0.1 }).data, 1e-4, 3e-4);
    for (const t of [x, g, b]) t.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const x = Tensor.empty(dev, [3, 8]);
    const g = Tensor.empty(dev, [8]);
    expect(() => layerNorm(x, Tensor.empty(dev, [7]), g)).toThrow("gamma has shape [7], expected [8]");
    expect(() => layerNorm(x, g, Tensor.empty(dev, [8], "i32"))).toThrow(DTypeError);
    expect(() => layerNorm(x, g, g, { out: x })).toThrow(ShapeError);
    expect(() => layerNorm(x, g, g, { out: Tensor.empty(dev, [8, 3]) })).toThrow(ShapeError);
  });
});
