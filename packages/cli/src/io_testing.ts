// Test helper (not part of @sae/cli's surface): a CliIO that keeps what a command writes, for tests that run
// `main` in-process. Progress goes nowhere (not a TTY).
import type { CliIO } from "./command.ts";

/** A CliIO whose stdout / stderr text accumulates in `stdout` and `stderr`. */
export function captureIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    progress: { isTTY: false, write: () => true },
    onInterrupt: () => () => {},
  };
  return io;
}
