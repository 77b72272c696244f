// Command-line flags derived from CONFIG_FIELDS: `l1_coefficient` is `--l1-coefficient 5e-5` (or `=5e-5`),
// booleans are `--resume` / `--no-resume` / `--resume=false`, nullable fields accept `null`, and `--config f.json`
// loads a JSON object of the same keys first (flags override it). Unknown flags are errors with a suggestion.
// Pure: takes the argument list it is given (the CLI passes the command line); reading the --config file and
// resolving the whole config is config-file.ts (@sae/train/node: configFromArgs).
import { CONFIG_KEYS, checkValue, fieldSpec, type TrainConfig } from "./config.ts";
import { fromSaeLensConfig } from "./saelens_config.ts";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

/**
 * Kinds of a command's own flags: "number" (finite), "count" (positive integer: sizes, counts), "int" (integer >= 0:
 * seeds, ports, 0-means-off values), "string", "bool", "list" (repeatable).
 */
export type FlagKind = "string" | "number" | "count" | "int" | "bool" | "list";

/** One flag of a command, declared once: parsing, value checks, defaults and --help are derived from it. */
export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  /** Config keys set on the command line (checked values). */
  overrides: Partial<TrainConfig>;
  /** Path given with --config, if any. */
  configFile: string | null;
  /** Values of the command's own flags by name (e.g. "out", "max-new-tokens"), defaults filled in; `help` for -h. */
  extra: FlagValues;
  positional: string[];
}

export const flagOf = (key: string): string => `--${key.replaceAll("_", "-")}`;
const keyOf = (flag: string): string => flag.replace(/^--/, "").replaceAll("-", "_");

const WANT = { number: "a finite number", count: "a positive integer", int: "an integer >= 0" } as const;

/** A number flag's value, checked for its kind ("1e400", "2.5" for a count, "-1" for an int are errors). */
export function numberFlag(flag: string, kind: keyof typeof WANT, raw: string): number {
  const n = Number(raw);
  const whole = kind === "number" || (Number.isSafeInteger(n) && n >= (kind === "count" ? 1 : 0));
  const ok = raw.trim() !== "" && Number.isFinite(n) && whole;
  if (!ok) throw new ConfigError(`${flag} must be ${WANT[kind]}, got '${raw}'`);
  return n;
}

function parseScalar(key: string, raw: string, flag: string): unknown {
  const spec = fieldSpec(key)!;
  if (raw === "null" && spec.nullable) return null;
  const kind = spec.kind;
  if (kind === "int" || kind === "float") {
    const n = Number(raw);
    if (raw.trim() === "" || Number.isNaN(n)) throw new ConfigError(`${flag}: expected a number, got '${raw}'`);
    if (!Number.isFinite(n)) throw new ConfigError(`${flag}: expected a finite number, got '${raw}'`);
    if (kind === "int" && !Number.isSafeInteger(n)) throw new ConfigError(`${flag}: expected an integer, got '${raw}'`);
    return n;
  }
  if (kind === "ints") {
    const vs = raw.split(",").map((v) => Number(v.trim()));
    if (raw.trim() === "" || !vs.every((v) => Number.isInteger(v))) throw new ConfigError(`${flag}: expected integers like 256,1024, got '${raw}'`);
    return vs;
  }
  if (kind === "kwargs") {
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(`${flag}: expected a JSON object like '{"center_writing_weights":false}', got '${raw}'`);
    }
  }
  if (kind === "bool") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`${flag}: expected true or false, got '${raw}'`);
  }
  return raw;
}

/**
 * The one command-line parser of the `sae` commands. Parses args like ["--l1-coefficient", "5e-5", "--resume", "ckpt"]
 * against the config fields (when `allowConfig`) and the command's own `extraFlags`: `--name value`, `--name=value`,
 * bare booleans (`--no-x` for config booleans), repeated list flags; `-h` is `--help`. snake_case spellings are the
 * kebab flag (`--d_sae` is `--d-sae`); an unknown flag is an error with the nearest known one.
 */
export function parseFlags(
  args: readonly string[],
  extraFlags: Record<string, FlagKind | FlagSpec> = {},
  allowConfig = true,
): ParsedArgs {
  const out: ParsedArgs = { overrides: {}, configFile: null, extra: {}, positional: [] };
  const specOf = (v: FlagKind | FlagSpec): FlagSpec => (typeof v === "string" ? { kind: v, help: "" } : v);
  const specs = Object.entries(extraFlags).map(([k, v]): [string, FlagSpec] => [k, specOf(v)]);
  const extra = new Map(specs);
  for (const [k, s] of specs) out.extra[k] = s.kind === "list" ? [] : s.default;
  const configFlags = allowConfig ? [...CONFIG_KEYS.map(flagOf), "--config"] : [];
  const known = [...configFlags, ...specs.map(([k]) => `--${k}`), "--help"];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] === "-h" ? "--help" : args[i];
    if (!a.startsWith("--") || a === "--") {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const typed = eq >= 0 ? a.slice(0, eq) : a;
    const flag = typed.replaceAll("_", "-"); // --d_sae is --d-sae
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw new ConfigError(`${typed} needs a value`);
      i++;
      return v;
    };
    const name = flag.slice(2);
    const spec = extra.get(name);
    if (spec) {
      const k = spec.kind;
      if (k === "bool") out.extra[name] = inline === undefined ? true : inline !== "false";
      else if (k === "number" || k === "count" || k === "int") out.extra[name] = numberFlag(typed, k, takeValue());
      else if (k === "list") (out.extra[name] as string[]).push(takeValue());
      else out.extra[name] = takeValue();
      continue;
    }
    if (flag === "--help") {
      out.extra.help = true;
      continue;
    }
    if (flag === "--config" && allowConfig) {
      out.configFile = takeValue();
      continue;
    }
    const negated = flag.startsWith("--no-") && fieldSpec(keyOf(flag.slice(5)))?.kind === "bool";
    const key = negated ? keyOf(flag.slice(5)) : keyOf(flag);
    if (!allowConfig || !fieldSpec(key)) throw new ConfigError(`unknown flag ${typed}${didYouMean(flag, known)}`);
    let value: unknown;
    if (negated) value = false;
    else if (fieldSpec(key)!.kind === "bool" && inline === undefined) value = true;
    else value = parseScalar(key, takeValue(), typed);
    (out.overrides as Record<string, unknown>)[key] = checkValue(key, value, typed);
  }
  return out;
}

/** Rows of a help table with the second column aligned: ["--flag", "what it does"] -> "  --flag   what it does". */
export function helpTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (c < r.length - 1 ? r[c].length : 0)))) ?? [];
  const line = (r: readonly string[]) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]) : cell)).join("  ");
  return rows.map((r) => `  ${line(r)}`.trimEnd()).join("\n");
}

/**
 * A JSON config file's text: this project's keys, a SAELens 5 flat runner config or a SAELens 6 nested one
 * (saelens_config.ts); unknown keys are rejected, naming the file (`path`) and the nearest known key.
 */
export function parseConfigJson(text: string, path: string): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--config ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new ConfigError(`--config ${path}: expected a JSON object of config keys`);
  const cfg = fromSaeLensConfig(obj as Record<string, unknown>, path);
  for (const [k, v] of Object.entries(cfg)) {
    // JSON's 1e400 parses to Infinity, which checkValue's message would print as null
    if (typeof v === "number" && !Number.isFinite(v)) throw new ConfigError(`${path}: '${k}' must be a finite number, got ${v}`);
    checkValue(k, v, path);
  }
  return cfg;
}

/** Counts and sizes resolveConfig leaves open (nullable ones, windows): each must be a positive integer when set. */
const POSITIVE_WHEN_SET = [
  "d_sae", "d_in", "eval_batch_size_prompts", "n_restart_cycles", "dead_feature_window", "feature_sampling_window", "eval_every_n_wandb_logs",
] as const;
const NON_NEGATIVE_WHEN_SET = ["hook_layer", "sparse_max_active", "lr_end"] as const;

/** Edge checks on a resolved config, naming the flag: `--d-sae -5` is an error here, not "k 16 exceeds d_sae -5". */
export function checkCounts(c: TrainConfig, where: string): TrainConfig {
  for (const key of POSITIVE_WHEN_SET) {
    const v = c[key];
    if (v !== null && !(v >= 1)) throw new ConfigError(`${where}: ${flagOf(key)} must be a positive integer, got ${v}`);
  }
  for (const key of NON_NEGATIVE_WHEN_SET) {
    const v = c[key];
    if (v !== null && !(v >= 0)) throw new ConfigError(`${where}: ${flagOf(key)} must be >= 0, got ${v}`);
  }
  return c;
}

/** One line per config flag for --help (after a command's own `[flag, kind, help]` rows), in aligned columns. */
export function flagHelp(own: readonly (readonly [string, string, string])[] = []): string {
  return helpTable([
    ...own,
    ...CONFIG_KEYS.map((k) => {
      const s = fieldSpec(k)!;
      const choices = Array.isArray(s.kind) ? ` (one of: ${(s.kind as string[]).join(", ")})` : "";
      const help = `${s.help}${choices} [default: ${JSON.stringify(s.default)}]`;
      return [flagOf(k), choices ? "choice" : String(s.kind), help];
    }),
  ]);
}
