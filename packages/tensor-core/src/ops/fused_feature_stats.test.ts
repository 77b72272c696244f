import { describe, expect, test } from "bun:test";
import * as cpuDense from "../cpu/feature_stats.ts";
import * as cpu from "../cpu/fused_feature_stats.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { featureStatsSparse } from "./fused_feature_stats.ts";

// Tolerance: whole-number counts in f32, so results must be exactly equal.

/** Top-k-like pairs: distinct latents per row (a few out of range), about a third of the values <= 0. */
function pairs(rng: Rng, batch: number, k: number, dSae: number): { values: HostTensor<"f32">; indices: HostTensor<"i32"> } {
  const values = new Float32Array(batch * k);
  const indices = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) {
    const used = new Set<number>();
    for (let j = 0; j < k; j++) {
      let i = rng.int(dSae + 2) - 1; // -1 and dSae are out of range
      while (used.has(i)) i = rng.int(dSae + 2) - 1;
      used.add(i);
      indices[b * k + j] = i;
      values[b * k + j] = rng.next() < 0.35 ? 0 : rng.next() * 3;
    }
  }
  return { values: host([batch, k], values), indices: host([batch, k], indices) };
}

/** 3 batches of pairs into sinceFired / actFreq on the device and in the CPU reference: exactly equal. */
async function check(dev: Device, batch: number, k: number, dSae: number): Promise<void> {
  const rng = new Rng(batch * 31 + dSae);
  const hs = host([dSae], Float32Array.from({ length: dSae }, () => rng.int(50)));
  const ha = host([dSae], Float32Array.from({ length: dSae }, () => rng.int(1000)));
  const since = Tensor.fromHost(dev, hs);
  const freq = Tensor.fromHost(dev, ha);
  for (let step = 0; step < 3; step++) {
    const p = pairs(rng, batch, Math.min(k, dSae), dSae);
    const v = Tensor.fromHost(dev, p.values);
    const ix = Tensor.fromHost(dev, p.indices);
    featureStatsSparse(v, ix, since, freq);
    cpu.featureStatsSparse(p.values, p.indices, hs, ha);
    v.dispose();
    ix.dispose();
  }
  expect([...(await since.read())]).toEqual([...hs.data]);
  expect([...(await freq.read())]).toEqual([...ha.data]);
  for (const t of [since, freq]) t.dispose();
}

describe("featureStatsSparse", () => {
  for (const [batch, k, dSae] of [[1, 1, 3], [37, 5, 1001], [200, 7, 129], [513, 3, 64]]) {
    test(`3 batches of [${batch}, ${k}] pairs over d_sae ${dSae} match the CPU reference`, async () => {
      await check(await getDevice(), batch, k, dSae);
    });
  }

  // a 1 KiB cap (256 elements): the pairs (1,539 / 185 / 1,400), the latents (1,001 / 1,500) or both over it
  test("over one binding: blocks of pairs and of latents match the CPU reference", async () => {
    const capped = await Device.create({ maxBindingBytes: 1024 });
    for (const [batch, k, dSae] of [[513, 3, 64], [37, 5, 1001], [200, 7, 1500]]) await check(capped, batch, k, dSae);
    capped.destroy();
  });

  test("the CPU reference equals dense featureStats on the scattered activations", () => {
    const rng = new Rng(4);
    const [batch, k, dSae] = [23, 4, 50];
    const p = pairs(rng, batch, k, dSae);
    const f = host([batch, dSae], new Float32Array(batch * dSae));
    p.indices.data.forEach((i, q) => {
      if (i >= 0 && i < dSae) f.data[Math.floor(q / k) * dSae + i] = p.values.data[q];
    });
    const a = [host([dSae], new Float32Array(dSae).fill(2)), host([dSae], new Float32Array(dSae).fill(5))];
    const b = [host([dSae], new Float32Array(dSae).fill(2)), host([dSae], new Float32Array(dSae).fill(5))];
    cpu.featureStatsSparse(p.values, p.indices, a[0], a[1]);
    cpuDense.featureStats(f, b[0], b[1]);
    expect([...a[0].data]).toEqual([...b[0].data]);
    expect([...a[1].data]).toEqual([...b[1].data]);
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const v = Tensor.zeros(dev, [4, 3]);
    const ix = Tensor.zeros(dev, [4, 3], "i32");
    const s = Tensor.zeros(dev, [10]);
    const a = Tensor.zeros(dev, [10]);
    expect(() => featureStatsSparse(v, Tensor.zeros(dev, [4, 2], "i32"), s, a)).toThrow(ShapeError);
    expect(() => featureStatsSparse(v, v, s, a)).toThrow(DTypeError);
    expect(() => featureStatsSparse(v, ix, s, Tensor.zeros(dev, [9]))).toThrow(ShapeError);
    expect(() => featureStatsSparse(Tensor.zeros(dev, [12]), ix, s, a)).toThrow("values must be [batch, k], got [12]");
    for (const t of [v, ix, s, a]) t.dispose();
  });
});
