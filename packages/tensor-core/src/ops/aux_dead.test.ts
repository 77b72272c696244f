import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/aux_dead.ts";
import { getDevice } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { auxDead } from "./aux_dead.ts";

// Tolerance: exact. The mask and bias are comparisons; the coefficient is the same float32 arithmetic on an exact
// count.
async function check(since: Float32Array, window: number, kAux: number, scale: number): Promise<number> {
  const dev = await getDevice();
  const hs = host([since.length], since);
  const s = Tensor.fromHost(dev, hs);
  const got = auxDead(s, window, kAux, scale);
  const want = cpu.auxDead(hs, window, kAux, scale);
  expect(Array.from(await got.dead.read())).toEqual(Array.from(want.dead.data));
  expect(Array.from(await got.bias.read())).toEqual(Array.from(want.bias.data));
  expect(Array.from(await got.coef.read())).toEqual(Array.from(want.coef.data));
  expect(Array.from(await got.twice.read())).toEqual(Array.from(want.twice.data));
  for (const t of [s, got.dead, got.bias, got.coef, got.twice]) t.dispose();
  return Array.from(want.dead.data).reduce((a, b) => a + b, 0);
}

describe("auxDead", () => {
  test("mask, bias and coefficient over 1000 latents (fewer dead than k_aux, more, none, all)", async () => {
    const since = Float32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 300);
    expect(await check(since, 280, 64, 1 / 32)).toBe(Math.floor(1000 * 19 / 300) + 1); // 281..299: n_dead < k_aux
    expect(await check(since, 100, 64, 0.125)).toBeGreaterThan(64); // min(n_dead / k_aux, 1) = 1
    expect(await check(since, 1000, 64, 1)).toBe(0);
    expect(await check(since, -1, 3, 0.5)).toBe(1000);
    expect(await check(new Float32Array([5, 6, 7]), 5, 3, 1 / 3)).toBe(2); // > window, not >=
  });

  test("errors: sinceFired not [d_sae], k_aux not positive", async () => {
    const dev = await getDevice();
    const s = Tensor.zeros(dev, [2, 3]);
    expect(() => auxDead(s, 1, 4, 1)).toThrow(ShapeError);
    expect(() => auxDead(s.reshape([6]), 1, 0, 1)).toThrow(LimitError);
    s.dispose();
  });
});
