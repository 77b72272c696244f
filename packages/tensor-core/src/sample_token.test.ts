// sampleToken against its definition: greedy is the argmax (lowest id on ties), topK 1 equals greedy, and draw
// frequencies follow softmax(logits / T) (restricted to the top k); penalizeFrequency subtracts penalty * count.
import { describe, expect, test } from "bun:test";
import { Rng } from "./random.ts";
import { penalizeFrequency, sampleToken } from "./sample_token.ts";
import { assertClose } from "./testing.ts";

const frequencies = (logits: Float32Array, t: number, k: number, n: number): number[] => {
  const rng = new Rng(3);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleToken(logits, t, k, rng)]++;
  return counts.map((c) => c / n);
};
const softmax = (xs: number[], t: number): number[] => {
  const z = xs.map((x) => Math.exp(x / t));
  const s = z.reduce((a, b) => a + b);
  return z.map((x) => x / s);
};

describe("sampleToken", () => {
  const logits = Float32Array.from([0.1, 2, -1, 1.5]);
  test("greedy takes the argmax, ties to the lower id; topK 1 equals greedy", () => {
    expect(sampleToken(logits, 0, 0, new Rng(1))).toBe(1);
    expect(sampleToken(Float32Array.from([1, 3, 3]), 0, undefined, new Rng(1))).toBe(1);
    expect(sampleToken(logits, 1, 1, new Rng(1))).toBe(1);
  });
  test("weights follow softmax(logits / T), over the top k only", () => {
    assertClose("T=1", frequencies(logits, 1, 0, 20000), softmax([0.1, 2, -1, 1.5], 1), 0, 0.015);
    const top2 = softmax([2, 1.5], 0.5);
    assertClose("T=0.5 k=2", frequencies(logits, 0.5, 2, 20000), [0, top2[0], 0, top2[1]], 0, 0.015);
  });
});

describe("penalizeFrequency", () => {
  test("subtracts penalty once per occurrence (prompt included); 0 returns the same row", () => {
    const row = Float32Array.from([1, 1, 1, 1]);
    expect(Array.from(penalizeFrequency(row, [2, 0, 2], 0.5))).toEqual([0.5, 1, 0, 1]);
    expect(Array.from(row)).toEqual([1, 1, 1, 1]);
    expect(penalizeFrequency(row, [1], 0)).toBe(row);
  });
});
