// The feature-data file a dashboard reads (format documented in ./FORMAT.md): a JSON index
// (feature-data.json: meta, vocab, byte offsets) and one JSON record per feature per line (features.jsonl),
// so one feature is read without parsing the others. Each file is written to a temporary name, flushed and renamed
// (the index last, holding the records file's size), so a reader sees a whole old or a whole new pair, and a pair
// from two runs is caught. The records path is a plain file name in the same folder; a record that does not parse
// is a FormatError naming the file and record, never its content.
import { open, readFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { FormatError, LimitError } from "@sae/tensor-core";
import type { FeatureData, FeatureDataMeta, FeatureRecord, FeatureSource } from "./feature_data.ts";

export const FEATURE_INDEX_FILE = "feature-data.json";
export const FEATURE_RECORDS_FILE = "features.jsonl";

interface IndexFile extends FeatureDataMeta {
  vocab: string[];
  /** `bytes`: the records file's size (absent in files written before it was added). */
  records: { file: string; offsets: number[]; lengths: number[]; bytes?: number };
}

/** Writes `text` to `path` atomically: a temporary file in the same folder, fsync, rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
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
  await writeAtomic(join(dir, FEATURE_RECORDS_FILE), lines.join("\n") + "\n");
  const records = { file: FEATURE_RECORDS_FILE, offsets, lengths, bytes: at };
  const index: IndexFile = { ...data.meta, vocab: data.vocab, records };
  const path = join(dir, FEATURE_INDEX_FILE);
  await writeAtomic(path, JSON.stringify(index));
  return path;
}

/** One feature's line: far more than any real record (top examples x window), small enough to allocate. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const RERUN = "re-run `sae analyze`";

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
  const name = rec.file;
  const plainName = typeof name === "string" && basename(name) === name && ![".", "..", ""].includes(name) && !name.includes("\\");
  need(plainName, path, "records.file", "must be a file name in the same folder (no path)");
  const span = (i: number) => rec.offsets[i] + rec.lengths[i];
  const counts = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  for (let i = 0; i < index.d_sae; i++) {
    const ok = counts(rec.offsets[i]) && counts(rec.lengths[i]) && rec.lengths[i] <= MAX_RECORD_BYTES;
    need(ok, path, `records[${i}]`, "must be a byte offset and length");
  }
  const { records, vocab, ...meta } = index;
  const dataPath = join(dir, records.file);
  const size = await stat(dataPath).then((s) => s.size, () => -1);
  need(size >= 0, path, "records.file", `names ${records.file}, which is missing; ${RERUN}`);
  const last = index.d_sae > 0 ? Math.max(...records.offsets.map((_, i) => span(i))) : 0;
  const whole = records.bytes === undefined ? size >= last : size === records.bytes;
  const why = "the two files come from different runs or one is cut short";
  need(whole, path, "records", `do not match ${records.file} (${size} bytes): ${why}; ${RERUN}`);
  return {
    meta,
    vocab,
    async get(i: number): Promise<FeatureRecord> {
      if (!(Number.isInteger(i) && i >= 0 && i < meta.d_sae)) throw new LimitError(`feature index ${i} out of range [0, ${meta.d_sae})`);
      const fh = await open(dataPath, "r");
      try {
        const buf = Buffer.alloc(records.lengths[i]);
        const { bytesRead } = await fh.read(buf, 0, buf.length, records.offsets[i]);
        const where = `${records.file}: record ${i}`;
        if (bytesRead !== buf.length) throw new FormatError(`${where} is truncated (${bytesRead} of ${buf.length} bytes); ${RERUN}`);
        let r: FeatureRecord;
        try {
          r = JSON.parse(buf.toString("utf8")) as FeatureRecord;
        } catch {
          const bytes = `bytes ${records.offsets[i]}..${span(i)}`;
          throw new FormatError(`${where} (${bytes}) is not valid JSON: the file does not match its index; ${RERUN}`);
        }
        if (typeof r !== "object" || r === null || r.index !== i) {
          throw new FormatError(`${where} holds another feature: the file does not match its index; ${RERUN}`);
        }
        return r;
      } finally {
        await fh.close();
      }
    },
  };
}
