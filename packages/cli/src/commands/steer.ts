// `sae steer "<prompt>" --feature 123:8 [--feature 45:-4] [--max-new-tokens 30] [--temperature 0.8] [--seed 0]`:
// a completion with strength * W_dec[index] added at the SAE's hook, next to the unsteered one (same seed).
import { steerGenerate, type SteerFeature } from "@sae/core";
import { SERVER_LIMITS } from "@sae/server";
import type { CliIO, Command } from "../command.ts";
import { commandHelp, MODEL_FLAGS, parseCommandFlags, SAE_FLAGS, UsageError } from "./analysis_flags.ts";
import type { FlagSpec } from "./analysis_flags.ts";
import { openPair } from "./open_pair.ts";

export const STEER_FLAGS = {
  feature: { kind: "list", help: "index:strength, repeatable (e.g. --feature 123:8 --feature 45:-4)" },
  "max-new-tokens": { kind: "count", default: 30, help: "tokens to generate" },
  temperature: { kind: "number", default: 0.8, help: "sampling temperature (0 = greedy)" },
  "top-k": { kind: "int", default: 0, help: "sample among the k most likely tokens (0 = all)" },
  seed: { kind: "int", default: 0, help: "sampling seed (the same for both completions)" },
  ...SAE_FLAGS,
  ...MODEL_FLAGS,
  json: { kind: "bool", default: false, help: "print JSON" },
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = 'sae steer "<prompt>" --feature <index>:<strength> [--feature ...] [--max-new-tokens 30] [--temperature 0.8] [--seed 0] [--sae bundled|dir|release/id]';

/** "123:8" -> { index: 123, strength: 8 }; |strength| is capped as the server caps it (SERVER_LIMITS.maxStrength). */
export function parseFeatureFlag(s: string): SteerFeature {
  const m = /^(\d+):(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i.exec(s.trim());
  if (!m) throw new UsageError(`sae steer: --feature expects <index>:<strength> such as 123:8 or 45:-2.5, got '${s}'`);
  const strength = Number(m[2]);
  const cap = SERVER_LIMITS.maxStrength;
  if (!(Math.abs(strength) <= cap)) {
    throw new UsageError(`sae steer: --feature ${s}: strength must be within [-${cap}, ${cap}], got ${m[2]}`);
  }
  return { index: Number(m[1]), strength };
}

export async function runSteer(args: string[], io: CliIO): Promise<number> {
  const { flags, positional } = parseCommandFlags("steer", args, STEER_FLAGS);
  if (flags.help) return (io.out(commandHelp(USAGE, STEER_FLAGS)), 0);
  if (positional.length !== 1) throw new UsageError(`sae steer: expected one prompt argument, got ${positional.length}\nusage: ${USAGE}`);
  const features = (flags.feature as string[]).map(parseFeatureFlag);
  if (features.length === 0) throw new UsageError(`sae steer: give at least one --feature <index>:<strength>\nusage: ${USAGE}`);
  const temperature = flags.temperature as number;
  if (temperature < 0) throw new UsageError(`sae steer: --temperature must be >= 0, got ${temperature}`);
  const where = { sae: flags.sae as string | undefined, checkpointsDir: flags.checkpoints as string };
  const pair = await openPair("steer", flags, io, where);
  const r = await steerGenerate(pair.model, pair.sae, positional[0], features, {
    maxNewTokens: flags["max-new-tokens"] as number,
    temperature: flags.temperature as number,
    topK: flags["top-k"] as number,
    seed: flags.seed as number,
  });
  if (flags.json) {
    io.out(`${JSON.stringify(r)}\n`);
    return 0;
  }
  io.out(`${pair.model.name} · ${pair.saeLabel}\n`);
  io.out(`steering: ${features.map((f) => `feature ${f.index} x ${f.strength}`).join(", ")} (seed ${flags.seed})\n`);
  io.out(`\n--- steered ---\n${r.prompt}${r.steered}\n`);
  io.out(`\n--- unsteered ---\n${r.prompt}${r.unsteered}\n`);
  return 0;
}

export const steerCommand: Command = { summary: "generate with SAE features added at the hook (steered vs unsteered)", usage: USAGE, run: runSteer };
