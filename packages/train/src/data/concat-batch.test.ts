// concatAndBatch against SAELens's concat_and_batch_sequences: 72 option combinations (context size, begin batch /
// begin sequence / separator tokens, disable_concat_sequences) over 12 documents, golden rows written by
// scripts/concat_batch_golden.py running the Python function itself.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type ConcatOptions, concatAndBatch } from "./concat-batch.ts";

const golden = JSON.parse(readFileSync(new URL("../../fixtures/concat_batch.json", import.meta.url), "utf8")) as {
  docs: number[][];
  cases: { options: ConcatOptions; rows: number[][] }[];
};

async function* docs(): AsyncGenerator<Int32Array> {
  for (const d of golden.docs) yield Int32Array.from(d);
}

describe("concatAndBatch (SAELens concat_and_batch_sequences)", () => {
  test("every golden case gives SAELens's rows", async () => {
    expect(golden.cases.length).toBe(72);
    for (const c of golden.cases) {
      const rows: number[][] = [];
      for await (const r of concatAndBatch(docs(), c.options)) rows.push(Array.from(r));
      expect({ options: c.options, rows }).toEqual({ options: c.options, rows: c.rows });
    }
  });
});
