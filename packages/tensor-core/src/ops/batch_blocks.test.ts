// The attention ops and rotary over one binding, in blocks of batch items (batch_blocks.ts; kvAppend as a window
// copy), against the CPU references with outputs poisoned first: under a 2 KiB cap a batch item's rows start at
// unaligned offsets (q's 224 bytes, mask's 28), so blocks go through copies; under a 64 KiB cap with 64 positions
// every item starts aligned (views; there only the [batch, heads, pos, pos] scores and pattern are over one
// binding). Tolerance: the unsplit ops' (attention.test.ts, attn_grouped.test.ts): rtol/atol 1e-5.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device } from "../device.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { attnPattern, attnZ, embedWithPositions, kvAppend, splitQkv } from "./attention.ts";
import { attnScores, attnZGrouped } from "./attn_grouped.ts";
import { rotary } from "./rotary.ts";

const [RTOL, ATOL] = [1e-5, 1e-5];
const CASES = [
  { cap: 2048, batch: 12, pos: 7, heads: 2, dHead: 4 },
  { cap: 64 * 1024, batch: 3, pos: 64, heads: 2, dHead: 8 },
] as const;

describe("attention ops over one binding", () => {
  for (const { cap, batch, pos, heads, dHead } of CASES) {
    test(`[batch ${batch}, pos ${pos}, heads ${heads}, d_head ${dHead}] under a ${cap}-byte cap`, async () => {
      const dev = await Device.create({ maxBindingBytes: cap });
      const up = <T extends HostTensor>(h: T) => Tensor.fromHost(dev, h);
      const d = heads * dHead;
      const rng = new Rng(pos);
      const hTok = host([batch, pos], Int32Array.from({ length: batch * pos }, () => rng.int(40)), "i32");
      const [hWE, hWpos] = [host([40, d], randn(40 * d, 1)), host([pos + 3, d], randn((pos + 3) * d, 2))];
      const e = embedWithPositions(up(hTok), up(hWE), up(hWpos), 2, { out: poison(Tensor.empty(dev, [batch, pos, d])), posOut: poison(Tensor.empty(dev, [batch, pos, d])) });
      expect(e.embed.byteLength > dev.maxBinding).toBe(cap === 2048); // at 64 KiB only the scores and pattern are over
      const we = cpu.embedWithPositions(hTok, hWE, hWpos, 2);
      assertClose("embed", await e.embed.read(), we.embed.data, 0, 0);
      assertClose("posEmbed", await e.posEmbed.read(), we.posEmbed.data, 0, 0);

      const hQkv = host([batch, pos, 3 * d], randn(batch * pos * 3 * d, 3));
      const shape = [batch, pos, heads, dHead];
      const s = splitQkv(up(hQkv), heads, { q: poison(Tensor.empty(dev, shape)), k: poison(Tensor.empty(dev, shape)), v: poison(Tensor.empty(dev, shape)) });
      const ws = cpu.splitQkv(hQkv, heads);
      for (const n of ["q", "k", "v"] as const) assertClose(`split ${n}`, await s[n].read(), ws[n].data, 0, 0);

      const mask = Int32Array.from({ length: batch * pos }, (_, i) => (i % pos === 0 && i > pos ? 0 : 1));
      const hMask = host([batch, pos], mask, "i32");
      const [hq, hk, hv] = [ws.q, ws.k, ws.v];
      const pat = attnPattern(s.q, s.k, up(hMask), { keys: pos, posOffset: 0, out: poison(Tensor.empty(dev, [batch, heads, pos, pos])) });
      expect(pat.byteLength).toBeGreaterThan(dev.maxBinding);
      const wp = cpu.attnPattern(hq, hk, hMask, { keys: pos, posOffset: 0 });
      assertClose("attnPattern", await pat.read(), wp.data, RTOL, ATOL);
      const z = attnZ(pat, s.v, { out: poison(Tensor.empty(dev, shape)) });
      assertClose("attnZ", await z.read(), cpu.attnZ(wp, hv).data, RTOL, ATOL);

      // grouped: one key/value head for both query heads, a sliding window and a soft cap
      const hk1 = host([batch, pos, 1, dHead], randn(batch * pos * dHead, 4));
      const opts = { keys: pos, posOffset: 0, scale: 0.5, softcap: 3, window: 5 };
      const sc = attnScores(s.q, up(hk1), up(hMask), { ...opts, out: poison(Tensor.empty(dev, [batch, heads, pos, pos])) });
      const wsc = cpu.attnScores(hq, hk1, hMask, opts);
      assertClose("attnScores", await sc.read(), wsc.data, RTOL, ATOL);
      const zg = attnZGrouped(pat, up(hk1), { out: poison(Tensor.empty(dev, shape)) });
      assertClose("attnZGrouped", await zg.read(), cpu.attnZGrouped(wp, hk1).data, RTOL, ATOL);

      const rot = dHead / 2;
      const [hc, hs] = [host([pos, rot / 2], randn(pos * (rot / 2), 5)), host([pos, rot / 2], randn(pos * (rot / 2), 6))];
      const r = rotary(s.q, up(hc), up(hs), { rotaryDim: rot, out: poison(Tensor.empty(dev, shape)) });
      assertClose("rotary", await r.read(), cpu.rotary(hq, hc, hs, { rotaryDim: rot }).data, RTOL, ATOL);
      // kvAppend (a window copy over one binding): rows posOffset.. of a cache with room for pos + 5 keys
      const hCache = host([batch, pos + 5, heads, dHead], randn(batch * (pos + 5) * d, 7));
      const cache = up(hCache);
      kvAppend(s.k, cache, 3);
      assertClose("kvAppend", await cache.read(), cpu.kvAppend(hk, hCache, 3).data, 0, 0);
      dev.destroy();
    });
  }
});
