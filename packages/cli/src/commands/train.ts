// `sae train [--config f.json] [--<config-key> value ...]`: trains an SAE (no flags: a TopK SAE on the bundled
// tiny-Shakespeare model) with a progress bar (tokens/s overall and, separately, for the model's activations and the
// SAE step; loss, L0, dead, ETA), Ctrl-C or SIGTERM saving a resumable checkpoint, and at the end the evaluation
// table, the checkpoint path, metrics.jsonl and report.html.
import { basename } from "node:path";
import {
  downloadProgress,
  flagHelp,
  formatBytes,
  formatCount,
  formatEvalTable,
  parseFlags,
  ProgressBar,
  type StepMetrics,
} from "@sae/train";
import { configFromArgs, trainSae } from "@sae/train/node";
import { TL_DTYPE_NAME } from "@sae/transformer";
import type { Command } from "../command.ts";
import { DTYPE_FLAG, dtypeOf } from "./analysis_flags.ts";

const USAGE = `usage: sae train [--config file.json] [flags]

Trains a sparse autoencoder on language-model activations. Every config key is a flag (snake_case -> kebab-case);
--config loads a JSON object of the same keys first. Ctrl-C (or SIGTERM) writes a checkpoint; continue with --resume.
Each run gets a new folder under --checkpoint-path; an existing --run-name is refused without --resume.
--dtype sets model_from_pretrained_kwargs' dtype (TransformerLens's from_pretrained dtype), which cfg.json keeps.

flags:
${flagHelp([["--dtype", "choice", "model weights on the device: f32, f16 or bf16 (default: the kwargs' dtype)"]])}
`;

export const trainCommand: Command = {
  summary: "train an SAE (defaults: TopK on the bundled tiny-Shakespeare model)",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseFlags(args, { dtype: DTYPE_FLAG });
    if (parsed.extra.help) {
      io.out(USAGE);
      return 0;
    }
    if (parsed.positional.length) {
      io.err(`error: sae train takes no positional arguments (got ${parsed.positional.join(" ")})\n`);
      return 2;
    }
    const cfg = configFromArgs(parsed);
    const dtype = dtypeOf("train", parsed.extra);
    if (dtype) cfg.model_from_pretrained_kwargs = { ...cfg.model_from_pretrained_kwargs, dtype: TL_DTYPE_NAME[dtype] };
    const stop = { requested: false };
    let bar: ProgressBar | null = null;
    const off = io.onInterrupt(() => {
      stop.requested = true;
      io.err("\ninterrupt: finishing the current step and writing a checkpoint (Ctrl-C again to abort)\n");
    });
    try {
      const result = await trainSae(cfg, {
        stop,
        log: (l) => io.err(`${l}\n`),
        hub: { onProgress: downloadProgress(io.progress) },
        onMetrics: (m: StepMetrics, total, rates) => {
          bar ??= new ProgressBar({ total: total.tokens, unit: " tok", label: "train", stream: io.progress });
          const rate = (x: number) => `${formatCount(Math.round(x))}/s`;
          // which side bounds the run: the model's activation rate or the SAE step's (bookkeeping: store/throughput.ts)
          const speeds = { model: rate(rates.modelTokensPerS), sae: rate(rates.saeTokensPerS) };
          bar.update(m.tokens, { ...speeds, loss: m.loss, l0: m.l0, dead: m.dead_features, mem: formatBytes(m.peak_device_bytes) });
        },
      });
      (bar as ProgressBar | null)?.finish();
      if (result.interrupted) {
        const named = cfg.run_name !== null ? [] : ["--run-name", basename(result.runDir)];
        const again = [...args, ...named, ...(cfg.resume ? [] : ["--resume"])].join(" ");
        io.out(`interrupted after ${result.steps} steps (${result.tokens} tokens)\ncheckpoint: ${result.checkpoint}\n`);
        io.out(`resume with: sae train ${again}\n`);
        return 130;
      }
      io.out(`trained ${result.steps} steps (${result.tokens} tokens) in ${result.seconds.toFixed(1)} s\n`);
      if (result.evaluation) io.out(`evaluation on held-out tokens:\n${formatEvalTable(result.evaluation)}\n`);
      io.out(`checkpoint: ${result.checkpoint}\nmetrics:    ${result.metricsPath}\n`);
      if (result.reportPath) io.out(`report:     ${result.reportPath}\n`);
      return 0;
    } finally {
      off();
    }
  },
};
