import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/feature_stats.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { randn } from "../testing.ts";
import { featureStats } from "./feature_stats.ts";

// Tolerance: counts of whole numbers in f32, so results must be exactly equal.

/** ReLU-like activations [batch, d_sae]: mostly zeros, and every 7th latent never fires. */
function acts(batch: number, dSae: number, seed: number): HostTensor<"f32"> {
  const x = randn(batch * dSae, seed);
  for (let i = 0; i < x.length; i++) x[i] = x[i] > 1 && (i % dSae) % 7 !== 0 ? x[i] : 0;
  return host([batch, dSae], x);
}

describe("featureStats", () => {
  for (const [batch, dSae] of [[1, 1], [37, 1001], [5, 64], [200, 129]]) {
    test(`3 batches of [${batch}, ${dSae}] from random counters match the CPU reference`, async () => {
      const dev = await getDevice();
      const rng = new Rng(batch + dSae);
      const hs = host([dSae], Float32Array.from({ length: dSae }, () => rng.int(50)));
      const ha = host([dSae], Float32Array.from({ length: dSae }, () => rng.int(1000)));
      const since = Tensor.fromHost(dev, hs);
      const freq = Tensor.fromHost(dev, ha);
      for (let step = 0; step < 3; step++) {
        const hf = acts(batch, dSae, 100 * step + dSae);
        const f = Tensor.fromHost(dev, hf);
        featureStats(f, since, freq);
        cpu.featureStats(hf, hs, ha);
        f.dispose();
      }
      expect([...(await since.read())]).toEqual([...hs.data]);
      expect([...(await freq.read())]).toEqual([...ha.data]);
      if (dSae > 7) expect(hs.data[7]).toBeGreaterThanOrEqual(3); // a never-firing latent counted up
      for (const t of [since, freq]) t.dispose();
    });
  }

  test("typed errors", async () => {
    const dev = await getDevice();
    const f = Tensor.zeros(dev, [4, 10]);
    const s = Tensor.zeros(dev, [10]);
    const a = Tensor.zeros(dev, [10]);
    expect(() => featureStats(f, Tensor.zeros(dev, [9]), a)).toThrow(ShapeError);
    expect(() => featureStats(Tensor.zeros(dev, [40]), s, a)).toThrow("f must be [batch, d_sae], got [40]");
    expect(() => featureStats(f, s, Tensor.zeros(dev, [10], "i32"))).toThrow(DTypeError);
    expect(() => featureStats(f, s, s)).toThrow(ShapeError);
  });
});
