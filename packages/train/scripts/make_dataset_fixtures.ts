// Writes the small hub datasets the loopback-hub tests serve (fixtures/datasets/<name>/...), committed with this
// script. Run: bun packages/train/scripts/make_dataset_fixtures.ts. Text comes from the bundled TinyStories slice.
//   stories-text:   data/train-00000-of-00001.parquet (columns id, text; 60 rows in row groups of 16) and a
//                   data/test-00000-of-00001.parquet that the train split must not read
//   stories-tokens: data/train-00000-of-00001.parquet (input_ids: list<int32>, 24 rows of 9 ids < 2048)
//   stories-split:  train/part-0.jsonl.gz, train/part-1.jsonl.zst, train/part-2.jsonl (20 rows each, field text)
//   codecs:         zstd-int64.parquet (ZSTD pages; tokens: list<int64>, as pyarrow writes torch.long token ids)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { zstdCompressSync } from "node:zlib";
import { gzipSync } from "fflate";
import { parquetWriteBuffer } from "hyparquet-writer";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = join(root, "fixtures/datasets");
const lines = readFileSync(join(root, "assets/tinystories/validation.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim().length > 40)
  .map((l) => l.slice(0, 240));

function write(rel: string, bytes: Uint8Array | ArrayBuffer): void {
  const p = join(out, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, new Uint8Array(bytes));
}

const text = (rows: string[], ids: number[]) =>
  parquetWriteBuffer({
    columnData: [
      { name: "id", data: Int32Array.from(ids), type: "INT32" },
      { name: "text", data: rows, type: "STRING" },
    ],
    rowGroupSize: 16,
  });
write("stories-text/data/train-00000-of-00001.parquet", text(lines.slice(0, 60), lines.slice(0, 60).map((_, i) => i)));
write("stories-text/data/test-00000-of-00001.parquet", text(["TEST SPLIT ROW"], [0]));
write("stories-text/README.md", new TextEncoder().encode("---\nlicense: cdla-sharing-1.0\n---\n"));

const tokenRows = Array.from({ length: 24 }, (_, r) => Array.from({ length: 9 }, (_, c) => (r * 131 + c * 17) % 2048));
write(
  "stories-tokens/data/train-00000-of-00001.parquet",
  parquetWriteBuffer({
    columnData: [{ name: "input_ids", data: tokenRows }],
    schema: [
      { name: "root", num_children: 1 },
      { name: "input_ids", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", type: "INT32" },
    ],
    rowGroupSize: 10,
  }),
);

write(
  "codecs/zstd-int64.parquet",
  parquetWriteBuffer({
    columnData: [{ name: "tokens", data: tokenRows.map((r) => r.map(BigInt)) }],
    schema: [
      { name: "root", num_children: 1 },
      { name: "tokens", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", type: "INT64" },
    ],
    codec: "ZSTD",
    compressors: { ZSTD: (b: Uint8Array) => new Uint8Array(zstdCompressSync(b)) },
    rowGroupSize: 10,
  }),
);

const jsonl = (rows: string[]) => new TextEncoder().encode(rows.map((t) => `${JSON.stringify({ text: t })}\n`).join(""));
write("stories-split/train/part-0.jsonl.gz", gzipSync(jsonl(lines.slice(100, 120))));
write("stories-split/train/part-1.jsonl.zst", zstdCompressSync(jsonl(lines.slice(120, 140))));
write("stories-split/train/part-2.jsonl", jsonl(lines.slice(140, 160)));
console.log(`wrote ${out}`);
