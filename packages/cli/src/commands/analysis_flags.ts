// Flags of the commands other than `train` (eval, inspect, analyze, steer, serve): each command declares its flags
// once in a typed object (kind, default, help); parsing, value checks, --help text and "unknown flag" errors are
// derived from it. Kinds: "number" (finite), "count" (positive integer: sizes, counts), "int" (integer >= 0:
// seeds, ports, 0-means-off values), "string", "bool", "list". A bad value names the flag and what it got.
import { ConfigError, didYouMean } from "@sae/train";

/** A command-line mistake (a ConfigError: exit code 2, message without a stack). */
export class UsageError extends ConfigError {}

export type FlagKind = "string" | "number" | "count" | "int" | "bool" | "list";

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** Parses `--name value`, `--name=value`, bare booleans and repeated list flags; the rest are positionals. */
export function parseCommandFlags(cmd: string, args: readonly string[], spec: Record<string, FlagSpec>): { flags: FlagValues; positional: string[] } {
  const flags: FlagValues = {};
  for (const [k, s] of Object.entries(spec)) flags[k] = s.kind === "list" ? [] : s.default;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--") || a.length === 2) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const s = spec[name];
    const known = Object.keys(spec).map((k) => `--${k}`);
    if (!s) throw new UsageError(`sae ${cmd}: unknown flag --${name}${didYouMean(`--${name}`, known)} (known: ${known.join(" ")})`);
    const value = (): string => {
      if (eq >= 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`sae ${cmd}: --${name} needs a value`);
      return v;
    };
    if (s.kind === "bool") flags[name] = eq >= 0 ? a.slice(eq + 1) !== "false" : true;
    else if (s.kind === "number" || s.kind === "count" || s.kind === "int") {
      flags[name] = numberFlag(cmd, name, s.kind, value());
    }
    else if (s.kind === "list") (flags[name] as string[]).push(value());
    else flags[name] = value();
  }
  return { flags, positional };
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

const WANT = { number: "a finite number", count: "a positive integer", int: "an integer >= 0" } as const;

/** A number flag's value, checked for its kind ("1e400", "2.5" for a count, "-1" for an int are errors). */
export function numberFlag(cmd: string, name: string, kind: keyof typeof WANT, raw: string): number {
  const n = Number(raw);
  const whole = kind === "number" || (Number.isSafeInteger(n) && n >= (kind === "count" ? 1 : 0));
  const ok = raw.trim() !== "" && Number.isFinite(n) && whole;
  if (!ok) throw new UsageError(`sae ${cmd}: --${name} must be ${WANT[kind]}, got '${raw}'`);
  return n;
}

/** Usage line plus one line per flag with its default. */
export function commandHelp(usage: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => `  --${k.padEnd(16)} ${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ""}`);
  return [`usage: ${usage}`, ...rows].join("\n") + "\n";
}
