// Flags of the commands other than `train` (eval, inspect, analyze, steer, serve): each command declares its flags
// once in a typed object (FlagSpec: kind, default, help); parsing is @sae/train's parseFlags (the one flag parser of
// every command, `train` included), and --help text comes from the same object. A mistake is a UsageError naming
// the command, the flag and what it got.
import { FormatError } from "@sae/tensor-core";
import { ConfigError, helpTable, parseFlags, type FlagSpec, type FlagValues } from "@sae/train";
import { weightDtypeOf, type WeightDType } from "@sae/transformer";

export type { FlagKind, FlagSpec, FlagValues } from "@sae/train";

/** A command-line mistake (a ConfigError: exit code 2, message without a stack). */
export class UsageError extends ConfigError {}

/** The command's flags (defaults filled in) and its positionals; any mistake is a UsageError "sae <cmd>: ...". */
export function parseCommandFlags(
  cmd: string,
  args: readonly string[],
  spec: Record<string, FlagSpec>,
): { flags: FlagValues; positional: string[] } {
  try {
    const { extra, positional } = parseFlags(args, spec, false);
    return { flags: extra, positional };
  } catch (e) {
    if (e instanceof ConfigError && !(e instanceof UsageError)) throw new UsageError(`sae ${cmd}: ${e.message}`);
    throw e;
  }
}

/** --dtype of every command that loads a model (train, eval, inspect, analyze, steer, serve). */
export const DTYPE_FLAG = {
  kind: "string",
  help: "model weights on the device: f32, f16 or bf16 (default: model_from_pretrained_kwargs dtype, else f32)",
} satisfies FlagSpec;

/** --dtype as a WeightDType (undefined when not given); a bad value is a UsageError naming the command. */
export function dtypeOf(cmd: string, flags: FlagValues): WeightDType | undefined {
  if (flags.dtype === undefined) return undefined;
  try {
    return weightDtypeOf(flags.dtype, `sae ${cmd}: --dtype`);
  } catch (e) {
    throw e instanceof FormatError ? new UsageError(e.message) : e;
  }
}

/** The model flags of inspect, analyze, steer, serve: --model-name (as `sae train`, `sae eval`), --model, --dtype. */
export const MODEL_FLAGS = {
  dtype: DTYPE_FLAG,
  "model-name": {
    kind: "string",
    help: "model: 'bundled', a folder (config.json + weights), a Hugging Face repo id or a TransformerLens alias",
  },
  model: { kind: "string", default: "bundled", help: "the same as --model-name (--model-name wins)" },
} satisfies Record<string, FlagSpec>;

/** The SAE flags of inspect, steer, serve: --sae (read by @sae/server's resolveSaeArg) and --checkpoints. */
export const SAE_FLAGS = {
  sae: {
    kind: "string",
    help:
      "SAE: 'bundled' (the one trained on the bundled model), a checkpoint folder " +
      "(cfg.json + sae_weights.safetensors) or <release>/<id> (pretrained, via the hub); " +
      "default: newest under --checkpoints",
  },
  checkpoints: { kind: "string", default: "checkpoints", help: "where `sae train` writes checkpoints" },
} satisfies Record<string, FlagSpec>;

/** The model a command runs on: --model-name, else --model. */
export function modelOf(flags: FlagValues): string {
  return (flags["model-name"] ?? flags.model) as string;
}

/** Usage line plus one line per flag with its default. */
export function commandHelp(usage: string, spec: Record<string, FlagSpec>): string {
  const dflt = (s: FlagSpec): string => (s.default === undefined || s.default === false ? "" : ` (default: ${s.default})`);
  const rows = Object.entries(spec).map(([k, s]) => [`--${k}${s.kind === "list" ? " ..." : ""}`, s.help + dflt(s)]);
  return `usage: ${usage}\n\nflags (-h: this help; snake_case spellings work too):\n${helpTable(rows)}\n`;
}
