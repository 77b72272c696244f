// Errors become exit codes at the edge: user errors (bad config/flags, datasets, files, unknown hooks, shapes the
// user asked for) print their message and exit 2 with no stack; a diverged run exits 1 with its message; anything
// else is a bug: exit 1 with the stack.
import { DownloadError, FormatError, LimitError, NoAdapterError, SaeError, ShapeError } from "@sae/tensor-core";
import { CheckpointError, ConfigError, DatasetError, DivergedError } from "@sae/train";

const USER_ERRORS = [ConfigError, DatasetError, CheckpointError, FormatError, ShapeError, LimitError, NoAdapterError, DownloadError];

export function isUserError(e: unknown): boolean {
  if (!(e instanceof SaeError)) return false;
  if (USER_ERRORS.some((C) => e instanceof C)) return true;
  // other packages' typed input errors (UnknownHookError, SaeConfigError, CheckpointError of @sae/core)
  return /^(UnknownHookError|SaeConfigError|CheckpointError)$/.test(e.name);
}

/** Prints the error and returns the exit code. */
export function reportError(e: unknown, err: (text: string) => void): number {
  if (isUserError(e)) {
    err(`error: ${(e as Error).message}\n`);
    return 2;
  }
  if (e instanceof DivergedError) {
    err(`error: ${e.message}\n`);
    return 1;
  }
  if (e instanceof SaeError) {
    err(`error (${e.name}): ${e.message}\n`);
    return 1;
  }
  err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
