import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/attn_grouped.ts";
import { getDevice } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { assertClose, poison } from "../testing.ts";
import { attnScores, attnZGrouped } from "./attn_grouped.ts";
import { type AttnCase, attnInputs, patternFromScores } from "./attn_testing.ts";

// Tolerance: dot products over d_head <= 24 and sums over <= 19 keys in f32.
const TOL = 2e-5;

const cases: AttnCase[] = [
  { batch: 2, pos: 7, nHeads: 3, kvHeads: 3, dHead: 5, stride: 7, posOffset: 0 },
  { batch: 1, pos: 9, nHeads: 4, kvHeads: 2, dHead: 12, stride: 9, posOffset: 0, softcap: 1.5, window: 4 },
  { batch: 2, pos: 1, nHeads: 6, kvHeads: 1, dHead: 8, stride: 19, posOffset: 12, window: 5 },
  { batch: 3, pos: 5, nHeads: 4, kvHeads: 2, dHead: 24, stride: 13, posOffset: 6 },
];

describe("attnScores / attnZGrouped", () => {
  for (const c of cases) {
    test(`match the CPU reference: ${JSON.stringify(c)}`, async () => {
      const dev = await getDevice();
      const keys = c.posOffset + c.pos;
      const { hq, hk, hv, hm } = attnInputs(c, [1]); // a padding key in batch 0
      const [q, k, v] = [hq, hk, hv].map((h) => Tensor.fromHost(dev, h));
      const mask = Tensor.fromHost(dev, hm);
      const o = { keys, posOffset: c.posOffset, scale: 1 / Math.sqrt(c.dHead), softcap: c.softcap, window: c.window };
      const out = poison(Tensor.empty(dev, [c.batch, c.nHeads, c.pos, keys]));
      expect(attnScores(q, k, mask, { ...o, out })).toBe(out);
      const want = cpu.attnScores(hq, hk, hm, o);
      assertClose("scores", await out.read(), want.data, TOL, TOL);
      const hp = patternFromScores(want);
      const pattern = Tensor.fromHost(dev, hp);
      const z = poison(Tensor.empty(dev, [c.batch, c.pos, c.nHeads, c.dHead]));
      expect(attnZGrouped(pattern, v, { out: z })).toBe(z);
      assertClose("z", await z.read(), cpu.attnZGrouped(hp, hv).data, TOL, TOL);
      for (const t of [q, k, v, mask, out, pattern, z]) t.dispose();
    });
  }

  test("typed errors", async () => {
    const dev = await getDevice();
    const q = Tensor.empty(dev, [1, 4, 4, 8]);
    const k = Tensor.empty(dev, [1, 4, 3, 8]);
    const mask = Tensor.empty(dev, [1, 4], "i32");
    expect(() => attnScores(q, k, mask, { keys: 4, posOffset: 0, scale: 1 })).toThrow("not a multiple of 3");
    const k2 = Tensor.empty(dev, [1, 4, 2, 8]);
    expect(() => attnScores(q, k2, mask, { keys: 5, posOffset: 0, scale: 1 })).toThrow(ShapeError);
    expect(() => attnScores(q, k2, mask, { keys: 4, posOffset: 0, scale: 1, window: -1 })).toThrow(ShapeError);
    expect(() => attnZGrouped(Tensor.empty(dev, [1, 4, 4, 5]), k2)).toThrow(ShapeError);
  });
});
