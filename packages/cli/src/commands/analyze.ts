// `sae analyze <checkpoint> [--tokens N]`: one pass of the model + SAE over a corpus (the bundled Tiny Shakespeare
// by default) that writes the feature-data file the dashboard reads (max-activating examples, quantile samples,
// density, logit effects per feature; format: packages/sae/src/analysis/FORMAT.md) into <checkpoint>/feature-data
// (./feature-data for a pretrained SAE and for `bundled`, the SAE trained on the bundled model: never into the
// package).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { collectFeatureData, sequencesFromText } from "@sae/core";
import { writeFeatureData } from "@sae/core/node";
import { bundledModelDir } from "@sae/transformer/node";
import type { CliIO, Command } from "../command.ts";
import { commandHelp, MODEL_FLAGS, parseCommandFlags, UsageError } from "./analysis_flags.ts";
import type { FlagSpec } from "./analysis_flags.ts";
import { openPair } from "./open_pair.ts";

export const ANALYZE_FLAGS = {
  tokens: { kind: "count", default: 32768, help: "corpus tokens to run through the SAE" },
  context: { kind: "count", default: 64, help: "tokens per sequence (BOS included)" },
  batch: { kind: "count", default: 16, help: "sequences per forward pass" },
  corpus: { kind: "string", help: "a UTF-8 text file (default: the bundled Tiny Shakespeare)" },
  out: {
    kind: "string",
    help: "output folder (default: <checkpoint>/feature-data; ./feature-data for release/id or bundled)",
  },
  "top-n": { kind: "count", default: 20, help: "max-activating examples kept per feature" },
  "top-logits": { kind: "int", default: 10, help: "promoted/suppressed tokens per feature (0: skip)" },
  ...MODEL_FLAGS,
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = "sae analyze <checkpoint, release/id or bundled> [--tokens 32768] [--context 64] [--corpus file] [--out dir]";

/** --out is a new folder, an empty one or earlier feature data (replaced); never a file or a folder of other files. */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UsageError(`sae analyze: --out ${out} exists and is not a folder`);
  const other = readdirSync(out).filter((f) => !/^(feature-data\.json|features\.jsonl)(\.tmp-\d+)?$/.test(f));
  if (other.length) {
    throw new UsageError(`sae analyze: --out ${out} holds other files (${other.slice(0, 3).join(", ")}); pick a new or empty folder`);
  }
}

export async function runAnalyze(args: string[], io: CliIO): Promise<number> {
  const { flags, positional } = parseCommandFlags("analyze", args, ANALYZE_FLAGS);
  if (flags.help) return (io.out(commandHelp(USAGE, ANALYZE_FLAGS)), 0);
  if (positional.length !== 1) {
    const what =
      "one checkpoint folder (train one with `sae train`), pretrained <release>/<id> or `bundled` " +
      "(the SAE trained on the bundled model)";
    throw new UsageError(`sae analyze: expected ${what}, got ${positional.length}\nusage: ${USAGE}`);
  }
  const tokens = flags.tokens as number;
  const context = flags.context as number;
  const batchSize = flags.batch as number;
  const corpusFile = (flags.corpus as string | undefined) ?? join(bundledModelDir(), "input.txt");
  if (!existsSync(corpusFile) || !statSync(corpusFile).isFile()) {
    throw new UsageError(`sae analyze: --corpus ${corpusFile}: no such file`);
  }
  const pair = await openPair("analyze", flags, io, { sae: positional[0] });
  const bundled = positional[0] === "bundled";
  const out = resolve((flags.out as string | undefined) ?? join((!bundled && pair.saeDir) || ".", "feature-data"));
  checkOut(out);
  // ~4 characters per token: read a generous prefix only, never the whole of a large file.
  const text = readFileSync(corpusFile, "utf8").slice(0, tokens * 12);
  const seqs = sequencesFromText(pair.model, text, context, tokens);
  io.err(`sae analyze: ${seqs.length} sequences x ${context} tokens from ${corpusFile} through ${pair.saeLabel}\n`);
  const t0 = performance.now();
  let shown = 0;
  const data = await collectFeatureData(pair.model, pair.sae, seqs, {
    batchSize,
    topN: flags["top-n"] as number,
    topLogits: flags["top-logits"] as number,
    onProgress: (done, total) => {
      if (done === total || done - shown >= total / 10) {
        shown = done;
        io.err(`  ${done}/${total} sequences (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      }
    },
  });
  const secs = (performance.now() - t0) / 1000;
  const path = await writeFeatureData(out, data);
  const dens = data.features.map((f) => f.density).sort((a, b) => a - b);
  const dead = dens.filter((d) => d === 0).length;
  io.out(`wrote ${path} (+ features.jsonl): ${data.meta.d_sae} features over ${data.meta.n_tokens} tokens in ${secs.toFixed(1)} s (${(data.meta.n_tokens / secs).toFixed(0)} tokens/s)\n`);
  io.out(`never active: ${dead} features; median density ${(100 * dens[dens.length >> 1]).toPrecision(3)}%\n`);
  io.out(`view it: sae serve --sae ${bundled ? "bundled" : (pair.saeDir ?? "<dir>")} --features ${out}\n`);
  return 0;
}

export const analyzeCommand: Command = { summary: "write the feature-data file (max-activating examples, density, logit effects)", usage: USAGE, run: runAnalyze };
