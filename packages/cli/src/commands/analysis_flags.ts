// Flags of the commands other than `train` (eval, inspect, analyze, steer, serve): each command declares its flags
// once in a typed object (FlagSpec: kind, default, help); parsing is @sae/train's parseFlags (the one flag parser of
// every command, `train` included), and --help text comes from the same object. A mistake is a UsageError naming
// the command, the flag and what it got.
import { ConfigError, helpTable, parseFlags, type FlagSpec, type FlagValues } from "@sae/train";

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

/** The model flags of inspect, analyze, steer and serve: --model-name (as `sae train` and `sae eval`), --model. */
export const MODEL_FLAGS = {
  "model-name": {
    kind: "string",
    help: "model: 'bundled', a folder (config.json + weights), a Hugging Face repo id or a TransformerLens alias",
  },
  model: { kind: "string", default: "bundled", help: "the same as --model-name (--model-name wins)" },
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
