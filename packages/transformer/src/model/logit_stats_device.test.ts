// logit_stats.ts on device LogitRows (crossEntropyRows / klRows / topk, only [rows] or [rows, k] values read back)
// against the host path (float64) on the same logits: the plain path (TensorRows: the whole tensor, read in blocks of
// 5 rows so views start unaligned and are copied), the blocked path (HiddenRows under a 16 KiB cap: blocks of 13 rows
// unembedded on demand), KL between two runs, logitRunStats over three runs (the eval's one pass), V = 50,257 (GPT-2's
// vocabulary), and topLogits equal to the host's exactly (ties: the lower id first). Tolerance: rtol 1e-5 plus
// atol 1e-6 (f32 on the device vs float64; the ops are within ~2e-6 relative at V = 256,000).
import { describe, expect, test } from "bun:test";
import { Device, getDevice, Tensor } from "@sae/tensor-core";
import { assertClose, randn } from "@sae/tensor-core/testing";
import { logitRows, type LogitRows, type Unembedding } from "./logit_rows.ts";
import { hostLogitRows, klDivRows, logitRunStats, nextTokenLosses, topLogits } from "./logit_stats.ts";

const [B, P, D] = [2, 9, 8];

function unembedding(dev: Device, V: number, seed: number): Unembedding {
  return {
    W_U_T: Tensor.from(dev, [V, D], randn(V * D, seed, 1)),
    b_U: Tensor.from(dev, [V], randn(V, seed + 1, 0.5)),
    softcap: 0,
  };
}

/**
 * The device rows (whose host read throws: the device path must not read logits back) and the same logits as host
 * rows; `block` forces blocks of that many rows.
 */
async function both(dev: Device, u: Unembedding, seed: number, block?: number): Promise<[LogitRows, LogitRows]> {
  const hidden = Tensor.from(dev, [B, P, D], randn(B * P * D, seed, 1));
  const { rows } = logitRows(hidden, u, true);
  const all = await rows.read(0, B * P);
  const onDevice: LogitRows = {
    batch: B,
    pos: P,
    dVocab: rows.dVocab,
    blockRows: block ?? rows.blockRows,
    read: () => Promise.reject(new Error("device rows read back")),
    tensor: rows.tensor!.bind(rows),
    dispose: () => rows.dispose(),
  };
  return [onDevice, hostLogitRows(all, B, P, rows.dVocab)];
}

const ids = Array.from({ length: B * P }, (_, i) => (i * 7919 + 3) % 301);

describe("logit_stats on device rows", () => {
  test("plain path (whole tensor) in blocks of 5 rows (unaligned views copied): losses and KL", async () => {
    const dev = await getDevice();
    const u = unembedding(dev, 301, 1);
    const [p, hp] = await both(dev, u, 3, 5);
    const [q, hq] = await both(dev, u, 4);
    assertClose("losses", await nextTokenLosses(p, ids), await nextTokenLosses(hp, ids), 1e-5, 1e-6);
    assertClose("kl", await klDivRows(p, q), await klDivRows(hp, hq), 1e-5, 1e-6);
  });

  test("blocked path (16 KiB cap: 13-row blocks unembedded on demand): losses and KL", async () => {
    const dev = await Device.create({ maxBindingBytes: 16384 });
    const u = unembedding(dev, 301, 2);
    const [p, hp] = await both(dev, u, 5);
    const [q, hq] = await both(dev, u, 6);
    expect([p.blockRows, q.blockRows]).toEqual([13, 13]);
    assertClose("losses", await nextTokenLosses(p, ids), await nextTokenLosses(hp, ids), 1e-5, 1e-6);
    const kl = await klDivRows(p, q);
    expect(Math.min(...kl)).toBeGreaterThan(1e-3);
    assertClose("kl", kl, await klDivRows(hp, hq), 1e-5, 1e-6);
  });

  test("V = 50,257 (GPT-2's vocabulary)", async () => {
    const dev = await getDevice();
    const u = unembedding(dev, 50257, 7);
    const [p, hp] = await both(dev, u, 8);
    const [q, hq] = await both(dev, u, 9);
    const big = ids.map((i) => (i * 167) % 50257);
    assertClose("losses", await nextTokenLosses(p, big), await nextTokenLosses(hp, big), 1e-5, 1e-6);
    assertClose("kl", await klDivRows(p, q), await klDivRows(hp, hq), 1e-5, 1e-6);
  });

  test("logitRunStats: three runs in one pass (16 KiB cap) equal the host path", async () => {
    const dev = await Device.create({ maxBindingBytes: 16384 });
    const u = unembedding(dev, 301, 10);
    const runs = await Promise.all([11, 12, 13].map((seed) => both(dev, u, seed)));
    const got = await logitRunStats(runs.map(([d]) => d), ids);
    const hosts = runs.map(([, h]) => h);
    const want = await logitRunStats(hosts, ids);
    for (let i = 0; i < 3; i++) {
      const kept = (a: Float64Array) => a.filter((_, r) => r % P !== P - 1);
      expect(got.ce[i].filter((_, r) => r % P === P - 1).every(Number.isNaN)).toBe(true);
      assertClose(`ce ${i}`, kept(got.ce[i]), kept(want.ce[i]), 1e-5, 1e-6);
      expect(Array.from(kept(want.ce[i]))).toEqual(Array.from(await nextTokenLosses(hosts[i], ids)));
    }
    for (let i = 0; i < 2; i++) {
      assertClose(`kl ${i}`, got.kl[i], want.kl[i], 1e-5, 1e-6);
      expect(Array.from(want.kl[i])).toEqual(Array.from(await klDivRows(hosts[0], hosts[i + 1])));
    }
  });

  test("topLogits on the device: the host's ids and values exactly, ties (duplicated W_U rows) included", async () => {
    const dev = await getDevice();
    const V = 301;
    const W = randn(V * D, 14, 1);
    for (let j = 100; j < V; j++) W.copyWithin(j * D, (j % 100) * D, (j % 100 + 1) * D); // logit j = logit j % 100
    const u = { W_U_T: Tensor.from(dev, [V, D], W), b_U: Tensor.zeros(dev, [V]), softcap: 0 };
    const [p, hp] = await both(dev, u, 15, 5);
    for (const k of [1, 7, 40]) {
      const [got, want] = [await topLogits(p, k), await topLogits(hp, k)];
      expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
      expect(Array.from(got.values)).toEqual(Array.from(want.values));
    }
  });
});
