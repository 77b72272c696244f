// The command registry: one line per command; each command lives in its own file in this folder.
import type { Command } from "../command.ts";
import { evalCommand } from "./eval.ts";
import { trainCommand } from "./train.ts";
import { inspectCommand } from "./inspect.ts";
import { analyzeCommand } from "./analyze.ts";
import { steerCommand } from "./steer.ts";
import { serveCommand } from "./serve.ts";
import { pretokenizeCommand } from "./pretokenize.ts";
import { cacheActivationsCommand } from "./cache_activations.ts";

export const COMMANDS = {
  train: trainCommand,
  eval: evalCommand,
  inspect: inspectCommand,
  analyze: analyzeCommand,
  steer: steerCommand,
  serve: serveCommand,
  pretokenize: pretokenizeCommand,
  "cache-activations": cacheActivationsCommand,
} as const satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;
