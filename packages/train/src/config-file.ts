// The training config from a command line with `--config f.json` (@sae/train/node): reads the file (its parsing is
// flags.ts's parseConfigJson), then the flags over it, resolved with the defaults and checked at the edge.
import { readFileSync } from "node:fs";
import { resolveConfig, type TrainConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { checkCounts, parseConfigJson, type ParsedArgs } from "./flags.ts";

/** Reads a JSON config file (parseConfigJson: this project's keys or a SAELens 5 / 6 runner config). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`--config ${path}: cannot read (${(e as Error).message})`);
  }
  return parseConfigJson(text, path);
}

/** Config file (if any), then flags, resolved with the defaults and checked at the edge. */
export function configFromArgs(parsed: ParsedArgs): TrainConfig {
  const fromFile = parsed.configFile ? readConfigFile(parsed.configFile) : {};
  const where = parsed.configFile ?? "flags";
  return checkCounts(resolveConfig({ ...fromFile, ...parsed.overrides }, where), where);
}
