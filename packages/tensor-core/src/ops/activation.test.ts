import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/activation.ts";
import { getDevice } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { activate } from "./activation.ts";

// Tolerance: f32 exp/tanh and the kernel's erf (fractional error 1.2e-7) on inputs of size up to ~12.
const TOL = 2e-6;

describe("activate", () => {
  for (const kind of ["silu", "gelu_erf", "softcap"] as const) {
    test(`${kind} matches the CPU reference on 1031 values`, async () => {
      const dev = await getDevice();
      const hx = host([1031], randn(1031, 9, 4));
      const x = Tensor.fromHost(dev, hx);
      const out = poison(Tensor.empty(dev, [1031]));
      expect(activate(x, kind, { cap: 3, out })).toBe(out);
      assertClose(kind, await out.read(), cpu.activate(hx, kind, { cap: 3 }).data, TOL, TOL);
      x.dispose();
      out.dispose();
    });
  }

  test("the reference erf: known values", () => {
    assertClose("erf", [0.5, 1, 2, 3.5, -1].map(cpu.erf), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999992569016276, -0.8427007929497149], 1e-13, 1e-13);
  });

  test("softcap needs a positive cap", async () => {
    const dev = await getDevice();
    expect(() => activate(Tensor.empty(dev, [3]), "softcap")).toThrow(ShapeError);
  });
});
