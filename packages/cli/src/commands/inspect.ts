// `sae inspect "The capital of France is" [--sae dir] [--top 5]`: the top SAE features at each token of a prompt,
// with their activations (bundled model by default; the SAE is --sae (`bundled`: the one trained on the bundled
// model) or the newest checkpoint under ./checkpoints).
import { topFeaturesPerToken } from "@sae/core";
import type { CliIO, Command } from "../command.ts";
import { commandHelp, MODEL_FLAGS, parseCommandFlags, SAE_FLAGS, UsageError } from "./analysis_flags.ts";
import type { FlagSpec } from "./analysis_flags.ts";
import { openPair } from "./open_pair.ts";

export const INSPECT_FLAGS = {
  ...SAE_FLAGS,
  ...MODEL_FLAGS,
  top: { kind: "count", default: 5, help: "features shown per token" },
  json: { kind: "bool", default: false, help: "print JSON instead of a table" },
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = 'sae inspect "<text>" [--sae bundled|dir|release/id] [--top 5] [--model-name bundled] [--json]';

export async function runInspect(args: string[], io: CliIO): Promise<number> {
  const { flags, positional } = parseCommandFlags("inspect", args, INSPECT_FLAGS);
  if (flags.help) return (io.out(commandHelp(USAGE, INSPECT_FLAGS)), 0);
  if (positional.length !== 1) throw new UsageError(`sae inspect: expected one text argument, got ${positional.length}\nusage: ${USAGE}`);
  const top = flags.top as number;
  const where = { sae: flags.sae as string | undefined, checkpointsDir: flags.checkpoints as string };
  const pair = await openPair("inspect", flags, io, where);
  const r = await topFeaturesPerToken(pair.model, pair.sae, positional[0], { top });
  if (flags.json) {
    io.out(`${JSON.stringify({ sae: pair.saeLabel, tokens: r.tokens, ids: r.ids, features: r.features })}\n`);
    return 0;
  }
  io.out(`${pair.model.name} · ${pair.saeLabel}\n`);
  const width = Math.min(24, Math.max(5, ...r.tokens.map((t) => JSON.stringify(t).length)));
  io.out(`${"pos".padStart(3)}  ${"token".padEnd(width)}  top features (index: activation)\n`);
  r.tokens.forEach((t, p) => {
    const feats = r.features[p].map((f) => `${f.index}: ${f.value.toFixed(3)}`).join("   ");
    io.out(`${String(p).padStart(3)}  ${JSON.stringify(t).padEnd(width)}  ${feats || "(none active)"}\n`);
  });
  return 0;
}

export const inspectCommand: Command = { summary: "top SAE features per token of a prompt", usage: USAGE, run: runInspect };
