// logit_stats.ts on host LogitRows (no device): losses, KL and top-k read in blocks of any size (1, 4, 7 rows of
// 18) equal the unblocked reduction exactly; hand-computed CE and KL; top-k ties keep the lower id first; shape and
// k errors.
import { describe, expect, test } from "bun:test";
import { ShapeError } from "@sae/tensor-core";
import { randn } from "@sae/tensor-core/testing";
import { forEachLogitBlock, hostLogitRows, klDivRows, nextTokenLosses, topLogits } from "./logit_stats.ts";

const [B, P, V] = [3, 6, 11];
const p = randn(B * P * V, 1, 2);
const q = randn(B * P * V, 2, 2);
const ids = Array.from({ length: B * P }, (_, i) => (i * 7) % V);

describe("logit_stats on host rows", () => {
  test("losses, KL and top-k are the same for every block size", async () => {
    const whole = hostLogitRows(p, B, P, V);
    const ce = await nextTokenLosses(whole, ids);
    const kl = await klDivRows(whole, hostLogitRows(q, B, P, V));
    const top = await topLogits(whole, 4);
    for (const block of [1, 4, 7]) {
      const rows = hostLogitRows(p, B, P, V, block);
      expect(Array.from(await nextTokenLosses(rows, ids))).toEqual(Array.from(ce));
      expect(Array.from(await klDivRows(rows, hostLogitRows(q, B, P, V, 5)))).toEqual(Array.from(kl));
      const t = await topLogits(rows, 4);
      expect([Array.from(t.ids), Array.from(t.values)]).toEqual([Array.from(top.ids), Array.from(top.values)]);
    }
    const seen: [number, number][] = [];
    const pair = [hostLogitRows(p, B, P, V, 7), hostLogitRows(q, B, P, V, 4)];
    await forEachLogitBlock(pair, (r0, r1) => seen.push([r0, r1]));
    expect(seen).toEqual([[0, 4], [4, 8], [8, 12], [12, 16], [16, 18]]); // the smaller blockRows of the two
  });

  test("hand-computed CE and KL; top-k ties keep the lower id first", async () => {
    // one sequence of 2 positions, vocab 3: row 0 = [0, ln 3, 0], row 1 = [5, 5, 1]
    const logits = new Float32Array([0, Math.log(3), 0, 5, 5, 1]);
    const rows = hostLogitRows(logits, 1, 2, 3);
    const ce = await nextTokenLosses(rows, [0, 1]); // position 0 predicts id 1: -log(3 / (1 + 3 + 1))
    expect(ce[0]).toBeCloseTo(-Math.log(3 / 5), 6);
    const u = hostLogitRows(new Float32Array(6), 1, 2, 3); // uniform
    const kl = await klDivRows(rows, u); // KL(p || uniform) = sum p log p + log 3
    const pr = [1 / 5, 3 / 5, 1 / 5];
    expect(kl[0]).toBeCloseTo(pr.reduce((s, x) => s + x * Math.log(x), 0) + Math.log(3), 6);
    const top = await topLogits(rows, 2);
    expect(Array.from(top.ids)).toEqual([1, 0, 0, 1]); // row 1 = [5, 5, 1]: the tie keeps 0 before 1
  });

  test("errors name the shapes", async () => {
    const rows = hostLogitRows(p, B, P, V);
    await expect(nextTokenLosses(rows, ids.slice(1))).rejects.toThrow(ShapeError);
    await expect(klDivRows(rows, hostLogitRows(p, P, B, V))).rejects.toThrow(/\[6, 3, 11\] differ from \[3, 6, 11\]/);
    await expect(topLogits(rows, 0)).rejects.toThrow(/k 0 is outside \[1, 11\]/);
    expect(() => hostLogitRows(p, B, P, V + 1)).toThrow(ShapeError);
  });
});
