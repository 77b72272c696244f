// pretokenizeDataset: SAELens's PretokenizeRunner without the Python: tokenize a dataset's text once into a
// pretokenized folder (pretokenized.ts) the trainer streams. As SAELens: documents are taken in batches of
// `batchSize` (pretokenize_batch_size, default 1000) and each batch goes through concat_and_batch_sequences on its
// own (a batch's tail shorter than context_size is dropped), then the rows are shuffled with the seed.
// Differences: the shuffle is this project's seeded Fisher-Yates (HF datasets' permutation is not reproduced), rows
// are held in memory until written (`maxRows` caps them), and push_to_hub is not done.
import { DatasetError } from "../errors.ts";
import { concatAndBatch } from "./concat-batch.ts";
import { type PretokenizedMetadata, writePretokenized } from "./pretokenized.ts";
import type { TokenSource } from "./sources.ts";

export interface PretokenizeOptions {
  outDir: string;
  contextSize: number;
  tokenizerName: string;
  datasetPath: string;
  columnName: string;
  beginBatchToken: number | null;
  beginSequenceToken: number | null;
  sequenceSeparatorToken: number | null;
  disableConcatSequences: boolean;
  shuffle: boolean;
  seed: number;
  batchSize?: number;
  /** Stop after this many rows (default: the whole dataset). */
  maxRows?: number;
  onProgress?: (rows: number, docs: number) => void;
}

async function* docsOf(source: TokenSource, limit: number, counter: { docs: number }): AsyncGenerator<Int32Array> {
  for (let i = 0; i < limit; i++) {
    const d = await source.nextDoc();
    if (d === null) return;
    if (source.rowsArePrompts) {
      throw new DatasetError(`${source.description}: already pretokenized (token rows); nothing to do`);
    }
    counter.docs++;
    yield d;
  }
}

export async function pretokenizeDataset(source: TokenSource, o: PretokenizeOptions): Promise<PretokenizedMetadata> {
  const batchSize = o.batchSize ?? 1000;
  const maxRows = o.maxRows ?? Infinity;
  const rows: Int32Array[] = [];
  const counter = { docs: 0 };
  const concat = {
    contextSize: o.contextSize,
    beginBatchToken: o.beginBatchToken,
    beginSequenceToken: o.beginSequenceToken,
    sequenceSeparatorToken: o.sequenceSeparatorToken,
    disableConcatSequences: o.disableConcatSequences,
  };
  for (let before = -1; before !== counter.docs && rows.length < maxRows; ) {
    before = counter.docs;
    for await (const row of concatAndBatch(docsOf(source, batchSize, counter), concat)) {
      rows.push(row);
      if (rows.length >= maxRows) break;
    }
    if (counter.docs > before) o.onProgress?.(rows.length, counter.docs);
  }
  if (rows.length === 0) {
    throw new DatasetError(`${source.description}: no row of ${o.contextSize} tokens (${counter.docs} documents)`);
  }
  return writePretokenized(
    o.outDir,
    rows,
    {
      context_size: o.contextSize,
      tokenizer_name: o.tokenizerName,
      original_dataset: o.datasetPath,
      original_column_name: o.columnName,
      begin_batch_token: o.beginBatchToken,
      begin_sequence_token: o.beginSequenceToken,
      sequence_separator_token: o.sequenceSeparatorToken,
      disable_concat_sequences: o.disableConcatSequences,
    },
    o.shuffle ? o.seed : null,
  );
}
