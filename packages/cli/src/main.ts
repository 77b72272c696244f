// The `sae` entry point: picks the command from the registry, runs it with real stdout/stderr and SIGINT/SIGTERM,
// and maps errors to exit codes (errors.ts). `main(args, io)` is the testable core; running this file calls it on
// argv.
import type { CliIO } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { reportError } from "./errors.ts";
import { didYouMean } from "@sae/train";

export function usage(): string {
  const names = Object.keys(COMMANDS);
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: sae <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nRun 'sae <command> --help' for the flags of one command (${names.join(", ")}).\n`;
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
  const [name, ...rest] = args;
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
