// The `sae` entry point: picks the command from the registry, runs it with real stdout/stderr and SIGINT/SIGTERM,
// and maps errors to exit codes (errors.ts). `main(args, io)` is the testable core; running this file calls it on
// argv.
import type { CliIO } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { reportError } from "./errors.ts";
import { didYouMean, helpTable } from "@sae/train";
import pkg from "../package.json" with { type: "json" };

/** The version of @sae/cli (its package.json), printed by `sae --version`. */
export const VERSION: string = pkg.version;

export function usage(): string {
  const table = helpTable(Object.entries(COMMANDS).map(([n, c]) => [n, c.summary]));
  const more = "'sae help <command>' (or 'sae <command> -h') for the flags of one command; 'sae --version'";
  return `usage: sae <command> [flags]\n\ncommands:\n${table}\n\n${more}\n`;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    progress: process.stderr,
    onInterrupt(handler) {
      let count = 0;
      const h = () => {
        if (++count > 1) process.exit(130);
        handler();
      };
      // SIGTERM (kill, a job scheduler, docker stop) stops the same way as Ctrl-C
      for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, h);
      return () => {
        for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, h);
      };
    },
  };
}

export async function main(args: readonly string[], io: CliIO = processIO()): Promise<number> {
  let [name, ...rest] = args;
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(`sae ${VERSION}\n`);
    return 0;
  }
  if (name === "help" && rest.length) [name, rest] = [rest[0], ["--help"]]; // sae help <command>
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 2;
  }
  const cmd = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS]>)[name];
  if (!cmd) {
    io.err(`error: unknown command '${name}'${didYouMean(name, Object.keys(COMMANDS))}\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    return reportError(e, io.err);
  }
}

if (import.meta.main) {
  process.env.XDG_RUNTIME_DIR ??= `/tmp/xdg-${process.getuid?.() ?? 0}`;
  process.exit(await main(process.argv.slice(2)));
}
