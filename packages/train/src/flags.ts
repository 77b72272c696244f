// Command-line flags derived from CONFIG_FIELDS: `l1_coefficient` is `--l1-coefficient 5e-5` (or `=5e-5`),
// booleans are `--resume` / `--no-resume` / `--resume=false`, nullable fields accept `null`, and `--config f.json`
// loads a JSON object of the same keys first (flags override it). Unknown flags are errors with a suggestion.
// Pure: takes the argument list it is given (the CLI passes the command line).
import { readFileSync } from "node:fs";
import { CONFIG_KEYS, checkValue, fieldSpec, resolveConfig, type TrainConfig } from "./config.ts";
import { fromSaeLensConfig } from "./saelens_config.ts";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

export type ExtraFlagKind = "string" | "number" | "bool";

export interface ParsedArgs {
  /** Config keys set on the command line (checked values). */
  overrides: Partial<TrainConfig>;
  /** Path given with --config, if any. */
  configFile: string | null;
  /** Values of the command's own flags (camel-free: the flag name without dashes, e.g. "out"). */
  extra: Record<string, string | number | boolean>;
  positional: string[];
}

export const flagOf = (key: string): string => `--${key.replaceAll("_", "-")}`;
const keyOf = (flag: string): string => flag.replace(/^--/, "").replaceAll("-", "_");

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
  if (kind === "bool") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`${flag}: expected true or false, got '${raw}'`);
  }
  return raw;
}

/** Parses args like ["--l1-coefficient", "5e-5", "--resume", "ckpt"] against the config fields and `extra` flags. */
export function parseFlags(args: readonly string[], extraFlags: Record<string, ExtraFlagKind> = {}, allowConfig = true): ParsedArgs {
  const out: ParsedArgs = { overrides: {}, configFile: null, extra: {}, positional: [] };
  const known = [...(allowConfig ? CONFIG_KEYS.map(flagOf) : []), ...Object.keys(extraFlags).map((k) => `--${k}`), ...(allowConfig ? ["--config"] : []), "--help"];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--") || a === "--") {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw new ConfigError(`${flag}: missing value`);
      i++;
      return v;
    };
    const name = flag.slice(2);
    if (flag === "--help") {
      out.extra.help = true;
      continue;
    }
    if (flag === "--config" && allowConfig) {
      out.configFile = takeValue();
      continue;
    }
    if (name in extraFlags) {
      const kind = extraFlags[name];
      if (kind === "bool") out.extra[name] = inline === undefined ? true : inline !== "false";
      else if (kind === "number") {
        const raw = takeValue();
        const n = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(n)) throw new ConfigError(`${flag}: expected a finite number, got '${raw}'`);
        out.extra[name] = n;
      } else out.extra[name] = takeValue();
      continue;
    }
    const negated = flag.startsWith("--no-") && fieldSpec(keyOf(flag.slice(5)))?.kind === "bool";
    const key = negated ? keyOf(flag.slice(5)) : keyOf(flag);
    if (!allowConfig || !fieldSpec(key)) throw new ConfigError(`unknown flag ${flag}${didYouMean(flag, known)}`);
    let value: unknown;
    if (negated) value = false;
    else if (fieldSpec(key)!.kind === "bool" && inline === undefined) value = true;
    else value = parseScalar(key, takeValue(), flag);
    (out.overrides as Record<string, unknown>)[key] = checkValue(key, value, flag);
  }
  return out;
}

/**
 * Reads a JSON config file: this project's keys, a SAELens 5 flat runner config or a SAELens 6 nested one
 * (saelens_config.ts); unknown keys are rejected, naming the file and the nearest known key.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`--config ${path}: cannot read (${(e as Error).message})`);
  }
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

/** Config file (if any), then flags, resolved with the defaults and checked at the edge. */
export function configFromArgs(parsed: ParsedArgs): TrainConfig {
  const fromFile = parsed.configFile ? readConfigFile(parsed.configFile) : {};
  const where = parsed.configFile ?? "flags";
  return checkCounts(resolveConfig({ ...fromFile, ...parsed.overrides }, where), where);
}

/** One line per flag for --help: flag, default, help text. */
export function flagHelp(): string {
  return CONFIG_KEYS.map((k) => {
    const s = fieldSpec(k)!;
    const kind = Array.isArray(s.kind) ? (s.kind as string[]).join("|") : s.kind;
    return `  ${flagOf(k).padEnd(36)} ${String(kind).padEnd(10)} ${s.help} [default: ${JSON.stringify(s.default)}]`;
  }).join("\n");
}
