// `sae pretokenize <dataset> --out <folder>`: tokenize a dataset once (SAELens's PretokenizeRunner) into a
// pretokenized folder (pretokenized.json + tokens.bin, format in @sae/train's data/pretokenized.ts) that
// `sae train --dataset-path <folder>` streams row by row. The dataset is anything dataset_path accepts (a Hugging
// Face dataset id, Parquet/JSONL/text files, bundled:<name>); the tokenizer is the --model-name model's.
import { ConfigError, downloadProgress, numberFlag } from "@sae/train";
import { bundledDataset, openDataset, pretokenizeDataset } from "@sae/train/node";
import { loadModel } from "@sae/transformer/node";
import type { Command } from "../command.ts";
import { commandHelp, parseCommandFlags, UsageError, type FlagSpec } from "./analysis_flags.ts";

export const PRETOKENIZE_FLAGS = {
  out: { kind: "string", help: "the folder to write (pretokenized.json + tokens.bin)" },
  "model-name": { kind: "string", default: "tiny-shakespeare", help: "model whose tokenizer is used" },
  "context-size": { kind: "count", default: 128, help: "tokens per row" },
  "column-name": { kind: "string", default: "text", help: "the text column (JSONL field)" },
  "begin-batch-token": { kind: "string", default: "bos", help: "token starting every row: bos, eos, none or an id" },
  "begin-sequence-token": { kind: "string", default: "none", help: "token starting each document (bos/eos/none/id)" },
  "sequence-separator-token": { kind: "string", default: "bos", help: "token between documents (bos, eos, none, id)" },
  "disable-concat-sequences": { kind: "bool", default: false, help: "one row per document; shorter ones dropped" },
  shuffle: { kind: "bool", default: true, help: "shuffle the rows (--shuffle=false keeps dataset order)" },
  seed: { kind: "int", default: 0, help: "shuffle seed" },
  "batch-size": { kind: "count", default: 1000, help: "documents per concat batch (SAELens pretokenize_batch_size)" },
  "max-rows": { kind: "count", help: "stop after this many rows (default: the whole dataset)" },
  revision: { kind: "string", default: "main", help: "hub dataset revision" },
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = `sae pretokenize <dataset> --out <folder> [flags]

Tokenizes a dataset once, as SAELens's PretokenizeRunner, into a folder \`sae train --dataset-path\` streams.`;

function specialToken(flag: string, v: string, ids: { bos: number; eos: number }): number | null {
  if (v === "none") return null;
  if (v === "bos" || v === "eos") return ids[v];
  try {
    return numberFlag(`--${flag}`, "int", v);
  } catch (e) {
    throw new UsageError(`sae pretokenize: ${(e as Error).message} (or bos, eos, none)`);
  }
}

export const pretokenizeCommand: Command = {
  summary: "tokenize a dataset once into a folder training streams (SAELens PretokenizeRunner)",
  usage: USAGE,
  async run(args, io) {
    const { flags, positional } = parseCommandFlags("pretokenize", args, PRETOKENIZE_FLAGS);
    if (flags.help) return (io.out(commandHelp(USAGE, PRETOKENIZE_FLAGS)), 0);
    if (positional.length !== 1) {
      throw new UsageError(`sae pretokenize: expected one dataset, got ${positional.length}\nusage: ${USAGE}`);
    }
    if (!flags.out) throw new UsageError(`sae pretokenize: --out <folder> is required\nusage: ${USAGE}`);
    const modelName = flags["model-name"] as string;
    const onProgress = downloadProgress(io.progress);
    const model = await loadModel(modelName, { hub: { onProgress } });
    if (!model.tokenizer) throw new ConfigError(`model ${modelName} has no tokenizer`);
    const tok = model.tokenizer;
    const bos = model.cfg.bosTokenId;
    const ids = { bos, eos: bos };
    const column = flags["column-name"] as string;
    const sep = flags["sequence-separator-token"] as string;
    const source = openDataset(positional[0], {
      tokenizer: { encode: (s) => tok.encode(s), bosTokenId: bos, vocabSize: model.cfg.dVocab },
      textField: column,
      bundled: bundledDataset,
      hub: { revision: flags.revision as string, onProgress },
    });
    try {
      const meta = await pretokenizeDataset(source, {
        outDir: flags.out as string,
        contextSize: flags["context-size"] as number,
        tokenizerName: modelName,
        datasetPath: positional[0],
        columnName: column,
        beginBatchToken: specialToken("begin-batch-token", flags["begin-batch-token"] as string, ids),
        beginSequenceToken: specialToken("begin-sequence-token", flags["begin-sequence-token"] as string, ids),
        sequenceSeparatorToken: specialToken("sequence-separator-token", sep, ids),
        disableConcatSequences: flags["disable-concat-sequences"] as boolean,
        shuffle: flags.shuffle as boolean,
        seed: flags.seed as number,
        batchSize: flags["batch-size"] as number,
        maxRows: flags["max-rows"] as number | undefined,
        onProgress: (rows, docs) => io.err(`\r${docs} documents -> ${rows} rows`),
      });
      io.err("\n");
      const shuffled = meta.shuffled ? `, shuffled with seed ${meta.seed}` : "";
      io.out(`wrote ${flags.out}: ${meta.rows} rows of ${meta.context_size} tokens (${meta.dtype}${shuffled})\n`);
    } finally {
      source.close();
    }
    return 0;
  },
};
