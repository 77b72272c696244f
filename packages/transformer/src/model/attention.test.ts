// The model's own kernels against plain CPU math: embedding lookup, QKV split, the masked causal pattern (fresh
// keys and a KV cache with an offset), weighted values and the cache append. Masked entries must be exact zeros.
import { describe, expect, test } from "bun:test";
import { Tensor, getDevice, ShapeError } from "@sae/tensor-core";
import { assertClose, randn } from "@sae/tensor-core/testing";
import { attnPattern, attnZ, embed, kvAppend, splitQkv } from "./attention.ts";

// f32 dot products of length d_head 5 and a softmax over <= 11 keys: a few ulps.
const TOL = 1e-5;
const [B, P, H, Dh] = [2, 7, 3, 5];
const D = H * Dh;

/** pattern[b, h, i, j] over keys j <= off + i with mask[b, j] = 1; k holds `stride` rows per batch. */
function cpuPattern(q: Float32Array, k: Float32Array, mask: Int32Array, stride: number, keys: number, off: number): Float64Array {
  const out = new Float64Array(B * H * P * keys);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < P; i++) {
    const s: number[] = [];
    for (let j = 0; j < keys; j++) {
      if (j > off + i || mask[b * stride + j] === 0) continue;
      let d = 0;
      for (let e = 0; e < Dh; e++) d += q[((b * P + i) * H + h) * Dh + e] * k[((b * stride + j) * H + h) * Dh + e];
      s[j] = d / Math.sqrt(Dh);
    }
    const m = Math.max(...s.filter((x) => x !== undefined));
    const sum = s.reduce((a, x) => a + (x === undefined ? 0 : Math.exp(x - m)), 0);
    s.forEach((x, j) => (out[((b * H + h) * P + i) * keys + j] = x === undefined ? 0 : Math.exp(x - m) / sum));
  }
  return out;
}

function cpuZ(pattern: ArrayLike<number>, v: Float32Array, stride: number, keys: number): Float64Array {
  const z = new Float64Array(B * P * D);
  for (let b = 0; b < B; b++) for (let i = 0; i < P; i++) for (let h = 0; h < H; h++) for (let e = 0; e < Dh; e++) {
    let s = 0;
    for (let j = 0; j < keys; j++) s += pattern[((b * H + h) * P + i) * keys + j] * v[((b * stride + j) * H + h) * Dh + e];
    z[((b * P + i) * H + h) * Dh + e] = s;
  }
  return z;
}

describe("gpt2 attention kernels", () => {
  test("embed and splitQkv", async () => {
    const dev = await getDevice();
    const WE = randn(11 * D, 1);
    const Wpos = randn(12 * D, 2);
    const ids = Int32Array.from({ length: B * P }, (_, i) => (i * 7) % 11);
    const e = embed(Tensor.from(dev, [B, P], ids), Tensor.from(dev, [11, D], WE), Tensor.from(dev, [12, D], Wpos), 3);
    const wantE = new Float32Array(B * P * D);
    const wantP = new Float32Array(B * P * D);
    for (let r = 0; r < B * P; r++) {
      wantE.set(WE.subarray(ids[r] * D, ids[r] * D + D), r * D);
      wantP.set(Wpos.subarray((3 + (r % P)) * D, (4 + (r % P)) * D), r * D);
    }
    assertClose("embed", await e.embed.read(), wantE, 0, 0);
    assertClose("pos embed", await e.posEmbed.read(), wantP, 0, 0);
    expect(() => embed(Tensor.from(dev, [B, P], ids), Tensor.from(dev, [11, D], WE), Tensor.from(dev, [12, D], Wpos), 6)).toThrow(/n_ctx 12/);
    const qkv = randn(B * P * 3 * D, 3);
    const s = splitQkv(Tensor.from(dev, [B, P, 3 * D], qkv), H);
    expect(s.q.shape).toEqual([B, P, H, Dh]);
    for (const [name, t, c] of [["q", s.q, 0], ["k", s.k, 1], ["v", s.v, 2]] as const) {
      const want = Array.from({ length: B * P * D }, (_, i) => qkv[Math.floor(i / D) * 3 * D + c * D + (i % D)]);
      assertClose(name, await t.read(), want, 0, 0);
    }
  });

  test("pattern and z with a padding mask (fresh keys)", async () => {
    const dev = await getDevice();
    const q = randn(B * P * D, 4);
    const k = randn(B * P * D, 5);
    const v = randn(B * P * D, 6);
    const mask = Int32Array.from({ length: B * P }, (_, i) => (i >= P + 4 ? 0 : 1)); // row 1: 4 real tokens
    const kv = { k: Tensor.from(dev, [B, P, H, Dh], k), v: Tensor.from(dev, [B, P, H, Dh], v), mask: Tensor.from<"i32">(dev, [B, P], mask), keys: P };
    const pattern = attnPattern(Tensor.from(dev, [B, P, H, Dh], q), kv, 0);
    const want = cpuPattern(q, k, mask, P, P, 0);
    assertClose("pattern", await pattern.read(), want, TOL, TOL);
    assertClose("z", await attnZ(pattern, kv).read(), cpuZ(want, v, P, P), TOL, TOL);
  });

  test("KV cache: append at an offset, then attend over all cached rows", async () => {
    const dev = await getDevice();
    const stride = 13;
    const off = 4; // rows 0..3 already cached, the P new ones go to 4..10
    const kOld = randn(B * stride * D, 7);
    const vOld = randn(B * stride * D, 8);
    const kNew = randn(B * P * D, 9);
    const vNew = randn(B * P * D, 10);
    const kc = Tensor.from(dev, [B, stride, H, Dh], kOld);
    const vc = Tensor.from(dev, [B, stride, H, Dh], vOld);
    kvAppend(Tensor.from(dev, [B, P, H, Dh], kNew), kc, off);
    kvAppend(Tensor.from(dev, [B, P, H, Dh], vNew), vc, off);
    const k = kOld.slice();
    const v = vOld.slice();
    for (let b = 0; b < B; b++) {
      k.set(kNew.subarray(b * P * D, (b + 1) * P * D), (b * stride + off) * D);
      v.set(vNew.subarray(b * P * D, (b + 1) * P * D), (b * stride + off) * D);
    }
    assertClose("k cache", await kc.read(), k, 0, 0);
    const mask = new Int32Array(B * stride).fill(1);
    const q = randn(B * P * D, 11);
    const kv = { k: kc, v: vc, mask: Tensor.from<"i32">(dev, [B, stride], mask), keys: off + P };
    const pattern = attnPattern(Tensor.from(dev, [B, P, H, Dh], q), kv, off);
    expect(pattern.shape).toEqual([B, H, P, off + P]);
    const want = cpuPattern(q, k, mask, stride, off + P, off);
    assertClose("pattern (cached)", await pattern.read(), want, TOL, TOL);
    assertClose("z (cached)", await attnZ(pattern, kv).read(), cpuZ(want, v, stride, off + P), TOL, TOL);
    expect(() => kvAppend(Tensor.from(dev, [B, P, H, Dh], kNew), kc, 7)).toThrow(ShapeError);
  });
});
