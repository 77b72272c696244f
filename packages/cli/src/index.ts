// @sae/cli public surface: the entry point and the command registry (for tests and embedding).
export { main, usage, processIO } from "./main.ts";
export { COMMANDS, type CommandName } from "./commands/index.ts";
export { reportError } from "./errors.ts";
export type { Command, CliIO } from "./command.ts";
