// Issue 15 defect #13: feature data is written atomically (temp file + rename, index last with the records' size),
// an index and a records file from two runs are refused, a bad record is a FormatError naming the file and record
// but none of its content, and the index cannot point the reader outside its folder.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "@sae/tensor-core";
import type { FeatureData, FeatureRecord } from "./feature_data.ts";
import { FEATURE_INDEX_FILE, FEATURE_RECORDS_FILE, openFeatureData, writeFeatureData } from "./feature_file.ts";

/** Feature data with `topN` examples per feature (a CPU-made stand-in for collectFeatureData's output). */
function fakeData(d_sae: number, topN: number): FeatureData {
  const features = Array.from({ length: d_sae }, (_, index): FeatureRecord => ({
    index,
    nActive: index + topN,
    density: (index + 1) / 100,
    maxAct: 2.5 + index,
    meanAct: 1.25,
    top: Array.from({ length: topN }, (_, j) => ({ seq: j, pos: 1, value: 2 - j / 10, tokens: [1, 2, 3], acts: [0, 2 - j / 10, 0], center: 1 })),
    buckets: [],
    histogram: null,
    logits: null,
    neuronpedia: null,
  }) as unknown as FeatureRecord);
  const meta = { format: "sae-feature-data", version: 1, model: "fake", hook_name: "h", d_in: 4, d_sae, neuronpedia_id: null, n_sequences: 2, n_tokens: 20, context_size: 10, options: {}, created: "2026-12-04T00:00:00Z" };
  return { meta: meta as unknown as FeatureData["meta"], vocab: ["a", "b", "c", "d"], features };
}

const tmp = () => mkdtempSync(join(tmpdir(), "sae-ff-"));

describe("feature data files (#13)", () => {
  test("a round trip leaves no temporary files; a failed write keeps the previous pair readable", async () => {
    const dir = tmp();
    try {
      await writeFeatureData(dir, fakeData(6, 3));
      expect(readdirSync(dir).sort()).toEqual([FEATURE_INDEX_FILE, FEATURE_RECORDS_FILE]);
      expect((await (await openFeatureData(dir)).get(4)).maxAct).toBe(6.5);
      mkdirSync(join(dir, `${FEATURE_RECORDS_FILE}.tmp-${process.pid}`)); // the temporary name is taken: the write fails
      await expect(writeFeatureData(dir, fakeData(6, 9))).rejects.toThrow();
      const old = await openFeatureData(dir);
      expect((await old.get(4)).top.length).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an index and records from two runs are refused at open; a bad record names itself, not its content", async () => {
    const [a, b, mixed] = [tmp(), tmp(), tmp()];
    try {
      await writeFeatureData(a, fakeData(6, 2));
      await writeFeatureData(b, fakeData(6, 7));
      copyFileSync(join(a, FEATURE_INDEX_FILE), join(mixed, FEATURE_INDEX_FILE));
      copyFileSync(join(b, FEATURE_RECORDS_FILE), join(mixed, FEATURE_RECORDS_FILE));
      await expect(openFeatureData(mixed)).rejects.toThrow(/field 'records' do not match features\.jsonl .*different runs/);
      // an index written before `bytes` existed: the mismatch shows when a record is read
      const index = JSON.parse(readFileSync(join(mixed, FEATURE_INDEX_FILE), "utf8"));
      delete index.records.bytes;
      writeFileSync(join(mixed, FEATURE_INDEX_FILE), JSON.stringify(index));
      const src = await openFeatureData(mixed);
      const err = (await src.get(1).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(FormatError);
      expect(err.message).toStartWith("features.jsonl: record 1");
      expect(err.message).toContain("re-run `sae analyze`");
      expect(err.message).not.toMatch(/seq|tokens|acts|\{|JSON Parse/);
    } finally {
      for (const d of [a, b, mixed]) rmSync(d, { recursive: true, force: true });
    }
  });

  test("records.file must be a plain name in the same folder", async () => {
    const dir = tmp();
    try {
      writeFileSync(join(dir, "..", "outside.jsonl"), "secret\n");
      await writeFeatureData(dir, fakeData(3, 1));
      const index = JSON.parse(readFileSync(join(dir, FEATURE_INDEX_FILE), "utf8"));
      for (const file of ["../outside.jsonl", "/etc/passwd", "sub/features.jsonl", "..", ""]) {
        writeFileSync(join(dir, FEATURE_INDEX_FILE), JSON.stringify({ ...index, records: { ...index.records, file } }));
        await expect(openFeatureData(dir)).rejects.toThrow("field 'records.file' must be a file name in the same folder");
      }
      writeFileSync(join(dir, FEATURE_INDEX_FILE), JSON.stringify({ ...index, records: { ...index.records, lengths: [1, -5, 1] } }));
      await expect(openFeatureData(dir)).rejects.toThrow("field 'records[1]' must be a byte offset and length");
    } finally {
      rmSync(join(dir, "..", "outside.jsonl"), { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
