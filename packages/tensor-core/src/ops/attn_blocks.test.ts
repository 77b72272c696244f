// Attention with one batch item over one binding (attn_blocks.ts), against the CPU references with outputs poisoned
// first, under a 4 KiB cap (3584 bytes per block once copyWindow's slack is taken): blocks of heads (GPT-2's fused
// pattern and z; GQA with two query heads per key head; some blocks bound in place, some copied), blocks of query
// rows of one head (unaligned 180-byte rows: mostly copied; 256-byte rows: all bound in place), and GQA with a
// sliding window, a soft cap, a KV-cache offset and padding split by query rows. Before attn_blocks.ts each of
// these threw a LimitError. Tolerance as the unsplit ops' tests: rtol/atol 2e-5. And the long sequence's other
// per-item ops: rotary in blocks of positions (with their cos/sin rows), kvAppend by rows of positions, splitQkv
// with positions as batch items, embedWithPositions in blocks of positions.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device } from "../device.ts";
import { LimitError } from "../errors.ts";
import { numel } from "../shape.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { attnPattern, attnZ, embedWithPositions, kvAppend, splitQkv } from "./attention.ts";
import { attnScores, attnZGrouped } from "./attn_grouped.ts";
import { type AttnCase, attnInputs, patternFromScores } from "./attn_testing.ts";
import { rotary } from "./rotary.ts";

const TOL = 2e-5;
const CAP = 4096;

interface Case extends AttnCase {
  what: string;
}

const cases: Case[] = [
  { what: "heads (2 per block)", batch: 2, pos: 20, nHeads: 6, kvHeads: 6, dHead: 8, stride: 20, posOffset: 0 },
  { what: "query rows (unaligned)", batch: 1, pos: 40, nHeads: 3, kvHeads: 3, dHead: 8, stride: 50, posOffset: 5 },
  { what: "query rows (in place)", batch: 2, pos: 32, nHeads: 2, kvHeads: 2, dHead: 8, stride: 64, posOffset: 32 },
  { what: "GQA heads (one group)", batch: 1, pos: 16, nHeads: 8, kvHeads: 4, dHead: 6, stride: 16, posOffset: 0 },
  {
    what: "GQA query rows, window, soft cap",
    ...{ batch: 2, pos: 40, nHeads: 4, kvHeads: 1, dHead: 12, stride: 45, posOffset: 3, softcap: 1.5, window: 5 },
  },
];

describe("attention with one batch item over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: CAP });
  const up = <T extends HostTensor>(h: T) => Tensor.fromHost(dev, h);

  for (const c of cases) {
    test(`${c.what}: ${JSON.stringify(c)}`, async () => {
      const keys = c.posOffset + c.pos;
      const { hq, hk, hv, hm } = attnInputs(c, [1, c.stride + 2]); // padding keys in both items
      const [q, k, v, mask] = [up(hq), up(hk), up(hv), up(hm)];
      const item = c.nHeads * c.pos * keys * 4;
      expect(item).toBeGreaterThan(dev.maxBinding); // one item's scores: byBatch alone cannot split them
      const scale = 1 / Math.sqrt(c.dHead);
      const o = { keys, posOffset: c.posOffset, scale, softcap: c.softcap, window: c.window };
      const scores = poison(Tensor.empty(dev, [c.batch, c.nHeads, c.pos, keys]));
      expect(attnScores(q, k, mask, { ...o, out: scores })).toBe(scores);
      const want = cpu.attnScores(hq, hk, hm, o);
      assertClose("scores", await scores.read(), want.data, TOL, TOL);
      const hp = patternFromScores(want);
      const pattern = up(hp);
      const z = poison(Tensor.empty(dev, [c.batch, c.pos, c.nHeads, c.dHead]));
      expect(attnZGrouped(pattern, v, { out: z })).toBe(z);
      assertClose("z (grouped)", await z.read(), cpu.attnZGrouped(hp, hv).data, TOL, TOL);
      if (c.kvHeads === c.nHeads && c.softcap === undefined) {
        // GPT-2's fused pattern (scale 1 / sqrt(d_head), causal and padding only) and z over the same blocks
        const fused = poison(Tensor.empty(dev, scores.shape));
        expect(attnPattern(q, k, mask, { keys, posOffset: c.posOffset, out: fused })).toBe(fused);
        const wantP = cpu.attnPattern(hq, hk, hm, { keys, posOffset: c.posOffset });
        assertClose("pattern", await fused.read(), wantP.data, TOL, TOL);
        const z2 = poison(Tensor.empty(dev, z.shape));
        expect(attnZ(pattern, v, { out: z2 })).toBe(z2);
        assertClose("z", await z2.read(), cpu.attnZ(hp, hv).data, TOL, TOL);
        fused.dispose();
        z2.dispose();
      }
      for (const t of [q, k, v, mask, scores, pattern, z]) t.dispose();
    });
  }

  test("rotary (1e-6), kvAppend and splitQkv (exact) with one item over: blocks of positions", async () => {
    const [batch, pos, heads, dHead, rot] = [2, 50, 3, 8, 6]; // one item of x: 4800 bytes; 37 positions per block
    const shape = [batch, pos, heads, dHead];
    const hx = host(shape, randn(numel(shape), 8));
    const table = (seed: number) => host([pos, rot / 2], randn(pos * (rot / 2), seed));
    const [hc, hs] = [table(9), table(10)];
    expect(numel(shape) * 4).toBeGreaterThan(batch * dev.maxBinding);
    const r = rotary(up(hx), up(hc), up(hs), { rotaryDim: rot, out: poison(Tensor.empty(dev, shape)) });
    assertClose("rotary", await r.read(), cpu.rotary(hx, hc, hs, { rotaryDim: rot }).data, 1e-6, 1e-6);
    const hCache = host([batch, pos + 7, heads, dHead], randn(batch * (pos + 7) * heads * dHead, 11));
    const cache = up(hCache);
    expect(kvAppend(up(hx), cache, 4)).toBe(cache);
    assertClose("kvAppend", await cache.read(), cpu.kvAppend(hx, hCache, 4).data, 0, 0);
    const hQkv = host([batch, pos, 3 * heads * dHead], randn(batch * pos * 3 * heads * dHead, 12));
    const fresh = () => poison(Tensor.empty(dev, shape));
    const s = splitQkv(up(hQkv), heads, { q: fresh(), k: fresh(), v: fresh() });
    const ws = cpu.splitQkv(hQkv, heads);
    for (const n of ["q", "k", "v"] as const) assertClose(`splitQkv ${n}`, await s[n].read(), ws[n].data, 0, 0);
    for (const t of [r, cache, s.q, s.k, s.v]) t.dispose();
  });

  test("embedWithPositions with one item over: blocks of positions, exact", async () => {
    const [batch, pos, d, vocab] = [2, 60, 16, 40]; // one item: 3840 bytes; W_pos [63, 16] 4032 bytes (bound whole)
    const ids = Int32Array.from({ length: batch * pos }, (_, i) => (i * 7) % (vocab + 1)); // id 40: a zero row
    const hTok = host([batch, pos], ids, "i32");
    const [hWE, hWpos] = [host([vocab, d], randn(vocab * d, 13)), host([pos + 3, d], randn((pos + 3) * d, 14))];
    const fresh = () => poison(Tensor.empty(dev, [batch, pos, d]));
    const e = embedWithPositions(up(hTok), up(hWE), up(hWpos), 2, { out: fresh(), posOut: fresh() });
    expect(e.embed.byteLength / batch).toBeGreaterThan(dev.maxBinding - 512);
    const want = cpu.embedWithPositions(hTok, hWE, hWpos, 2);
    assertClose("embed", await e.embed.read(), want.embed.data, 0, 0);
    assertClose("posEmbed", await e.posEmbed.read(), want.posEmbed.data, 0, 0);
    e.embed.dispose();
    e.posEmbed.dispose();
  });

  test("a head's keys over one binding: a LimitError naming them", () => {
    const [pos, dHead] = [120, 8]; // k of one head: 120 x 8 x 4 = 3840 bytes
    const q = Tensor.empty(dev, [1, pos, 1, dHead]);
    const k = Tensor.empty(dev, [1, pos, 1, dHead]);
    const mask = Tensor.empty(dev, [1, pos], "i32");
    const run = () => attnScores(q, k, mask, { keys: pos, posOffset: 0, scale: 1 });
    expect(run).toThrow(LimitError);
    expect(run).toThrow("one head's keys (120 x d_head 8)");
    for (const t of [q, k, mask]) t.dispose();
  });
});
