// The shape of a CLI command: one file per command in src/commands/, registered by name in commands/index.ts.
// Commands get their arguments (after the command name) and an IO object, and return an exit code; they never
// read process.argv or call process.exit themselves (main.ts does, at the edge).

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr as a progress-bar stream (TTY detection included). */
  progress: { isTTY?: boolean; columns?: number; write(text: string): unknown };
  /** Registers a Ctrl-C (and SIGTERM) handler for the command's lifetime; returns the unregister function. */
  onInterrupt: (handler: () => void) => () => void;
}

export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}
