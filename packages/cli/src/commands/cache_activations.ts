// `sae cache-activations [--config f.json] [--<config-key> value ...] --cached-activations-path <folder>`: SAELens's
// CacheActivationsRunner as its own step. Runs the model over the training config's dataset and writes a sharded
// activation cache (@sae/train store/cache-shards.ts); `sae train` with the same flags plus
// --use-cached-activations then trains from it without running the model.
import {
  downloadProgress,
  flagHelp,
  formatBytes,
  parseFlags,
  ProgressBar,
} from "@sae/train";
import { cacheActivations, configFromArgs } from "@sae/train/node";
import type { Command } from "../command.ts";
import { UsageError } from "./analysis_flags.ts";

const USAGE = `usage: sae cache-activations --cached-activations-path <folder> [--config file.json] [flags]
Writes the activations a training run with the same flags would compute, as a folder of shard files.
Train from it with the same flags plus --use-cached-activations.

flags (this command's, then the training flags):
${flagHelp([
  ["--shard-mb", "number", "start a new shard file after N MiB [default: 1024]"],
  ["--cache-tokens", "number", "rows to cache [default: training_tokens plus one shuffle buffer]"],
])}
`;

export const cacheActivationsCommand: Command = {
  summary: "write an activation cache as its own step (sharded; SAELens CacheActivationsRunner)",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseFlags(args, { "shard-mb": "number", "cache-tokens": "number" });
    if (parsed.extra.help) return (io.out(USAGE), 0);
    if (parsed.positional.length) {
      throw new UsageError(`sae cache-activations takes no positional arguments (got ${parsed.positional.join(" ")})`);
    }
    const cfg = configFromArgs(parsed);
    if (!cfg.cached_activations_path) {
      const usage = USAGE.split("\n")[0];
      throw new UsageError(`sae cache-activations: --cached-activations-path <folder> is required\n${usage}`);
    }
    const shardMb = (parsed.extra["shard-mb"] as number | undefined) ?? 1024;
    const tokens = parsed.extra["cache-tokens"] as number | undefined;
    if (!(shardMb > 0)) throw new UsageError(`sae cache-activations: --shard-mb must be positive, got ${shardMb}`);
    if (tokens !== undefined && !(Number.isSafeInteger(tokens) && tokens > 0)) {
      throw new UsageError(`sae cache-activations: --cache-tokens must be a positive integer, got ${tokens}`);
    }
    const stop = { requested: false };
    const off = io.onInterrupt(() => void (stop.requested = true));
    let bar: ProgressBar | null = null;
    try {
      const idx = await cacheActivations(cfg, {
        shardBytes: Math.round(shardMb * 2 ** 20),
        tokens,
        stop,
        hub: { onProgress: downloadProgress(io.progress) },
        onProgress: (rows, total) => {
          bar ??= new ProgressBar({ total, unit: " tok", label: "cache", stream: io.progress });
          bar.update(Math.min(rows, total));
        },
      });
      (bar as ProgressBar | null)?.finish();
      const bytes = idx.rows * idx.header.d_in * (idx.header.dtype === "f16" ? 2 : 4);
      const size = `${idx.rows} rows x ${idx.header.d_in} (${idx.header.dtype}, ${formatBytes(bytes)})`;
      io.out(`wrote ${cfg.cached_activations_path}: ${size} in ${idx.shards.length} shard(s), ${idx.blocks} blocks\n`);
      io.out(`train from it: sae train ${args.join(" ")} --use-cached-activations\n`);
      return 0;
    } finally {
      off();
    }
  },
};
