// Flags of the analysis commands (inspect, analyze, steer, serve): each command declares its flags once in a
// typed object (kind, default, help); parsing, --help text and "unknown flag" errors are derived from it.
import { ConfigError, didYouMean } from "@sae/train";

/** A command-line mistake (a ConfigError: exit code 2, message without a stack). */
export class UsageError extends ConfigError {}

export type FlagKind = "string" | "number" | "bool" | "list";

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
    else if (s.kind === "number") {
      const raw = value();
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`sae ${cmd}: --${name} expects a number, got '${raw}'`);
      flags[name] = n;
    } else if (s.kind === "list") (flags[name] as string[]).push(value());
    else flags[name] = value();
  }
  return { flags, positional };
}

/** Usage line plus one line per flag with its default. */
export function commandHelp(usage: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => `  --${k.padEnd(16)} ${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ""}`);
  return [`usage: ${usage}`, ...rows].join("\n") + "\n";
}
