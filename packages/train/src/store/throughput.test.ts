import { describe, expect, test } from "bun:test";
import { Throughput } from "./throughput.ts";

describe("throughput", () => {
  test("model and SAE rates per window from producer busy time and consumer waits (injected clock)", () => {
    let t = 0;
    const th = new Throughput(() => t);
    // producer busy 0..100 ms for 1000 rows; consumer waited 40..100 ms; 2000 tokens trained by t = 500
    const since = th.clock();
    t = 40;
    const w = th.clock();
    t = 100;
    th.produced(1000, since);
    th.waited(w);
    t = 500;
    const r = th.window(2000);
    expect(r.modelTokensPerS).toBeCloseTo(10000, 6); // 1000 rows / 0.1 s
    expect(r.saeTokensPerS).toBeCloseTo(2000 / 0.44, 6); // 2000 tokens / (0.5 s - 0.06 s waiting)
    expect(r.waitFraction).toBeCloseTo(0.12, 9);
    // the next window starts where this one ended: nothing produced (the model rate shown stays the last one),
    // 1000 more tokens in 250 ms
    t = 750;
    expect(th.window(3000)).toEqual({ modelTokensPerS: 10000, saeTokensPerS: 4000, waitFraction: 0 });
    expect(new Throughput(() => 0).window(0).modelTokensPerS).toBe(0);
  });
});
