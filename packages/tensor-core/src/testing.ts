// @sae/tensor-core/testing: test helpers shared by every package's tests (seeded inputs, poisoned outputs, closeness
// checks that report the worst element) and the CPU reference of every kernel (`cpu.*`, what each op is tested
// against). Not part of the main surface and not for production code paths; a workspace-only subpath.
import * as cpu from "./cpu/index.ts";
import { Rng } from "./random.ts";
import type { Tensor } from "./tensor.ts";
import { fill } from "./ops/fill.ts";

export interface Closeness {
  maxAbs: number;
  maxRel: number;
  worst: number;
  ok: boolean;
}

/**
 * Elementwise |a - e| <= atol + rtol * |e|, NaN anywhere fails. Returns the worst error for messages.
 */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): Closeness {
  if (actual.length !== expected.length) return { maxAbs: Infinity, maxRel: Infinity, worst: -1, ok: false };
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  let ok = true;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const d = Math.abs(a - e);
    if (!(d <= atol + rtol * Math.abs(e))) {
      if (ok || d > maxAbs) worst = i;
      ok = false;
    }
    if (Number.isNaN(d)) {
      maxAbs = Infinity;
      worst = i;
      continue;
    }
    if (d > maxAbs) maxAbs = d;
    const r = d / Math.max(Math.abs(e), 1e-30);
    if (r > maxRel && Math.abs(e) > atol) maxRel = r;
  }
  return { maxAbs, maxRel, worst, ok };
}

/** Throws a readable error when actual and expected are not close. */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  const c = closeness(actual, expected, rtol, atol);
  if (!c.ok) {
    const i = c.worst;
    throw new Error(
      `${what}: not close (rtol ${rtol}, atol ${atol}); length ${actual.length} vs ${expected.length}; ` +
        `max abs err ${c.maxAbs.toExponential(3)}; worst at [${i}]: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

/** Fills a tensor with NaN (f32) or 0xDEADBEEF (ints) so unwritten elements fail comparisons. */
export function poison<T extends Tensor>(t: T): T {
  fill(t, t.dtype === "f32" ? NaN : 0xdeadbeef);
  return t;
}

export function randn(n: number, seed: number, std = 1): Float32Array {
  return new Rng(seed).normalArray(n, std);
}

export { cpu };
