import { describe, test } from "bun:test";
import * as cpu from "../cpu/pointwise.ts";
import { getDevice } from "../device.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { exp, tanh } from "./pointwise.ts";

describe("pointwise", () => {
  for (const n of [1, 7, 1003, 70001]) {
    test(`exp and tanh of a scaled tensor, ${n} elements, match the CPU reference`, async () => {
      const dev = await getDevice();
      const hx = host([n], randn(n, n, 3)); // wide: tanh saturates on both sides
      const x = Tensor.fromHost(dev, hx);
      const e = exp(x, 0.5, { out: poison(Tensor.empty(dev, [n])) });
      assertClose(`exp n=${n}`, await e.read(), cpu.exp(hx, 0.5).data, 2e-6, 1e-7);
      const t = tanh(x, -4, { out: poison(Tensor.empty(dev, [n])) });
      assertClose(`tanh n=${n}`, await t.read(), cpu.tanh(hx, -4).data, 1e-5, 1e-6);
      for (const v of [x, e, t]) v.dispose();
    });
  }
});
