import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/attention.ts";
import { getDevice } from "../device.ts";
import { DTypeError, LimitError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { attnPattern, attnZ, embedWithPositions, kvAppend, splitQkv } from "./attention.ts";

// Tolerance: embed, split and append move bits (exact). The pattern is a length-d_head f32 dot product and a softmax
// over <= 40 keys against float64: rtol 1e-5, atol 1e-6; z adds a length-keys f32 dot: rtol 1e-5, atol 1e-5.
// Sizes are not multiples of the 64-lane workgroup; outputs are poisoned so unwritten entries fail.

const f32 = (shape: number[], seed: number) => host(shape, randn(shape.reduce((a, b) => a * b, 1), seed));

/** mask [batch, stride]: batch row b has its last b % 3 rows as padding (1 = attend). */
function paddingMask(batch: number, stride: number, valid: number): HostTensor<"i32"> {
  const m = new Int32Array(batch * stride);
  for (let b = 0; b < batch; b++) for (let j = 0; j < stride; j++) m[b * stride + j] = j < valid - (b % 3) ? 1 : 0;
  return host([batch, stride], m, "i32");
}

describe("attention ops", () => {
  test("embedWithPositions: tokens [3, 23] at offset 5, out-of-range ids give zero rows", async () => {
    const dev = await getDevice();
    const [batch, pos, dVocab, dModel, nCtx] = [3, 23, 50, 37, 40];
    const rng = new Rng(1);
    const ids = Int32Array.from({ length: batch * pos }, () => rng.int(dVocab));
    ids[4] = -1;
    ids[9] = dVocab;
    const ht = host([batch, pos], ids, "i32");
    const hE = f32([dVocab, dModel], 2);
    const hP = f32([nCtx, dModel], 3);
    const [tokens, W_E, W_pos] = [Tensor.fromHost(dev, ht), Tensor.fromHost(dev, hE), Tensor.fromHost(dev, hP)];
    const out = poison(Tensor.empty(dev, [batch, pos, dModel]));
    const posOut = poison(Tensor.empty(dev, [batch, pos, dModel]));
    const got = embedWithPositions(tokens, W_E, W_pos, 5, { out, posOut });
    expect(got.embed).toBe(out);
    const want = cpu.embedWithPositions(ht, hE, hP, 5);
    expect([...(await out.read())]).toEqual([...want.embed.data]);
    expect([...(await posOut.read())]).toEqual([...want.posEmbed.data]);
    expect([...want.embed.data.subarray(4 * dModel, 5 * dModel)].every((x) => x === 0)).toBe(true);
    expect(() => embedWithPositions(tokens, W_E, W_pos, 18)).toThrow(LimitError);
    expect(() => embedWithPositions(tokens, W_E, W_pos, 18)).toThrow(/n_ctx 40/);
    for (const t of [tokens, W_E, W_pos, out, posOut]) t.dispose();
  });

  test("splitQkv: [2, 13, 3 * 35] into 5 heads of 7", async () => {
    const dev = await getDevice();
    const hq = f32([2, 13, 105], 4);
    const qkv = Tensor.fromHost(dev, hq);
    const outs = { q: poison(Tensor.empty(dev, [2, 13, 5, 7])), k: poison(Tensor.empty(dev, [2, 13, 5, 7])), v: poison(Tensor.empty(dev, [2, 13, 5, 7])) };
    const got = splitQkv(qkv, 5, outs);
    const want = cpu.splitQkv(hq, 5);
    for (const n of ["q", "k", "v"] as const) {
      expect(got[n]).toBe(outs[n]);
      expect(want[n].shape).toEqual([2, 13, 5, 7]);
      expect([...(await got[n].read())]).toEqual([...want[n].data]);
    }
    expect(() => splitQkv(qkv, 4)).toThrow(ShapeError);
    for (const t of [qkv, outs.q, outs.k, outs.v]) t.dispose();
  });

  for (const [label, batch, pos, nHeads, dHead, stride, posOffset] of [
    ["fresh keys, padding mask", 4, 19, 3, 5, 19, 0],
    ["KV cache at offset 11, stride 40", 3, 17, 2, 9, 40, 11],
    ["single query row (generation step)", 2, 1, 4, 16, 33, 29],
  ] as const) {
    test(`attnPattern and attnZ: ${label}`, async () => {
      const dev = await getDevice();
      const keys = posOffset + pos;
      const hq = f32([batch, pos, nHeads, dHead], 10 + pos);
      const hk = f32([batch, stride, nHeads, dHead], 20 + pos);
      const hv = f32([batch, stride, nHeads, dHead], 30 + pos);
      const hm = paddingMask(batch, stride, keys);
      const [q, k, v, mask] = [hq, hk, hv, hm].map((h) => Tensor.fromHost(dev, h));
      const pattern = poison(Tensor.empty(dev, [batch, nHeads, pos, keys]));
      expect(attnPattern(q, k, mask, { keys, posOffset, out: pattern })).toBe(pattern);
      const wantP = cpu.attnPattern(hq, hk, hm, { keys, posOffset });
      const gotP = await pattern.read();
      assertClose("pattern", gotP, wantP.data, 1e-5, 1e-6);
      wantP.data.forEach((w, i) => {
        if (w === 0 && gotP[i] !== 0) throw new Error(`pattern[${i}] = ${gotP[i]}, masked entries must be exactly 0`);
      });
      const z = poison(Tensor.empty(dev, [batch, pos, nHeads, dHead]));
      expect(attnZ(pattern, v, { out: z })).toBe(z);
      assertClose("z", await z.read(), cpu.attnZ(wantP, hv).data, 1e-5, 1e-5);
      for (const t of [q, k, v, mask, pattern, z]) t.dispose();
    });
  }

  test("attnPattern: a query row with every key masked is all zeros", async () => {
    const dev = await getDevice();
    const hq = f32([1, 3, 1, 4], 50);
    const hk = f32([1, 3, 1, 4], 51);
    const hm = host([1, 3], new Int32Array([0, 1, 1]), "i32");
    const [q, k, mask] = [hq, hk, hm].map((h) => Tensor.fromHost(dev, h));
    const got = await attnPattern(q, k, mask, { keys: 3, posOffset: 0 }).read();
    const want = cpu.attnPattern(hq, hk, hm, { keys: 3, posOffset: 0 });
    expect([...got.subarray(0, 3)]).toEqual([0, 0, 0]);
    assertClose("pattern", got, want.data, 1e-5, 1e-6);
  });

  test("kvAppend writes rows posOffset.. and leaves the other cache rows", async () => {
    const dev = await getDevice();
    const [batch, pos, nHeads, dHead, stride, off] = [3, 5, 2, 7, 17, 9];
    const hs = f32([batch, pos, nHeads, dHead], 60);
    const hc = f32([batch, stride, nHeads, dHead], 61);
    const src = Tensor.fromHost(dev, hs);
    const cache = Tensor.fromHost(dev, hc);
    expect(kvAppend(src, cache, off)).toBe(cache);
    expect([...(await cache.read())]).toEqual([...cpu.kvAppend(hs, hc, off).data]);
    expect(() => kvAppend(src, cache, 13)).toThrow(ShapeError);
    for (const t of [src, cache]) t.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const q = Tensor.zeros(dev, [2, 3, 2, 4]);
    const k = Tensor.zeros(dev, [2, 5, 2, 4]);
    const mask = Tensor.zeros(dev, [2, 5], "i32");
    expect(() => attnPattern(q, k, Tensor.zeros(dev, [2, 5]), { keys: 5, posOffset: 2 })).toThrow(DTypeError);
    expect(() => attnPattern(q, k, mask, { keys: 6, posOffset: 3 })).toThrow(ShapeError);
    expect(() => attnPattern(q, k, mask, { keys: 4, posOffset: 2 })).toThrow(ShapeError);
    expect(() => attnPattern(q, k, Tensor.zeros(dev, [2, 4], "i32"), { keys: 5, posOffset: 2 })).toThrow(ShapeError);
    expect(() => attnZ(Tensor.zeros(dev, [2, 2, 3, 6]), k)).toThrow(ShapeError);
    expect(() => splitQkv(Tensor.zeros(dev, [2, 12]), 2)).toThrow("qkv must be [batch, pos, 3 * d_model], got [2, 12]");
    expect(() => embedWithPositions(Tensor.zeros(dev, [1, 2]), Tensor.zeros(dev, [5, 4]), Tensor.zeros(dev, [8, 4]), 0)).toThrow(DTypeError);
  });
});
