// The feature-data file a dashboard reads (format documented in ./FORMAT.md): a JSON index
// (feature-data.json: meta, vocab, byte offsets) and one JSON record per feature per line (features.jsonl),
// so one feature is read without parsing the others.
import { open, readFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FormatError, LimitError } from "@sae/tensor-core";
import type { FeatureData, FeatureDataMeta, FeatureRecord, FeatureSource } from "./feature_data.ts";

export const FEATURE_INDEX_FILE = "feature-data.json";
export const FEATURE_RECORDS_FILE = "features.jsonl";

interface IndexFile extends FeatureDataMeta {
  vocab: string[];
  records: { file: string; offsets: number[]; lengths: number[] };
}

/** 4 significant digits: enough for a dashboard, a third of the characters. */
function round(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
}

/** Writes feature-data.json and features.jsonl into `dir` (created if missing). Returns the index path. */
export async function writeFeatureData(dir: string, data: FeatureData): Promise<string> {
  await mkdir(dir, { recursive: true });
  const offsets: number[] = [];
  const lengths: number[] = [];
  const lines: string[] = [];
  let at = 0;
  for (const f of data.features) {
    const line = JSON.stringify(f, round);
    const n = Buffer.byteLength(line);
    offsets.push(at);
    lengths.push(n);
    lines.push(line);
    at += n + 1;
  }
  await writeFile(join(dir, FEATURE_RECORDS_FILE), lines.join("\n") + "\n");
  const index: IndexFile = { ...data.meta, vocab: data.vocab, records: { file: FEATURE_RECORDS_FILE, offsets, lengths } };
  const path = join(dir, FEATURE_INDEX_FILE);
  await writeFile(path, JSON.stringify(index));
  return path;
}

function need(ok: boolean, file: string, field: string, what: string): void {
  if (!ok) throw new FormatError(`${file}: field '${field}' ${what}`);
}

/** Opens a feature-data directory; records are read on demand. */
export async function openFeatureData(dir: string): Promise<FeatureSource> {
  const path = join(dir, FEATURE_INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new FormatError(`${path}: no feature data here (write it with \`sae analyze <checkpoint>\`)`);
  }
  let index: IndexFile;
  try {
    index = JSON.parse(text) as IndexFile;
  } catch (e) {
    throw new FormatError(`${path}: not JSON (${(e as Error).message})`);
  }
  need(index.format === "sae-feature-data", path, "format", `must be "sae-feature-data", got ${JSON.stringify(index.format)}`);
  need(index.version === 1, path, "version", `must be 1, got ${JSON.stringify(index.version)}`);
  need(Number.isInteger(index.d_sae) && index.d_sae > 0, path, "d_sae", "must be a positive integer");
  need(Array.isArray(index.vocab), path, "vocab", "must be an array of strings");
  const rec = index.records;
  need(!!rec && Array.isArray(rec.offsets) && rec.offsets.length === index.d_sae && rec.lengths?.length === index.d_sae, path, "records", `must hold ${index.d_sae} offsets and lengths`);
  const { records, vocab, ...meta } = index;
  const dataPath = join(dir, records.file);
  return {
    meta,
    vocab,
    async get(i: number): Promise<FeatureRecord> {
      if (!(Number.isInteger(i) && i >= 0 && i < meta.d_sae)) throw new LimitError(`feature index ${i} out of range [0, ${meta.d_sae})`);
      const fh = await open(dataPath, "r");
      try {
        const buf = Buffer.alloc(records.lengths[i]);
        const { bytesRead } = await fh.read(buf, 0, buf.length, records.offsets[i]);
        need(bytesRead === buf.length, dataPath, `records[${i}]`, `is truncated (${bytesRead} of ${buf.length} bytes)`);
        const r = JSON.parse(buf.toString("utf8")) as FeatureRecord;
        need(r.index === i, dataPath, `records[${i}].index`, `is ${r.index}`);
        return r;
      } finally {
        await fh.close();
      }
    },
  };
}
