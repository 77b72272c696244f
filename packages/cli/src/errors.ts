// Errors become exit codes at the edge: user errors (bad config/flags, datasets, files, unknown hooks, shapes the
// user asked for) print their message and exit 2 with no stack; a diverged run exits 1 with its message; filesystem
// and memory failures (ENOENT, ENOTDIR, ENOSPC, EADDRINUSE, out of memory, ...) print one line naming the path or
// the size and exit 2 / 1; anything else is a bug: exit 1 with the stack.
import { DownloadError } from "@sae/hub";
import { LockBusyError } from "@sae/hub/node";
import { FormatError, LimitError, NoAdapterError, SaeError, ShapeError } from "@sae/tensor-core";
import { CheckpointError, ConfigError, DatasetError, DivergedError } from "@sae/train";

const USER_ERRORS = [ConfigError, DatasetError, CheckpointError, FormatError, ShapeError, LimitError, NoAdapterError];
// other packages' typed input errors, by name (@sae/core, @sae/server and @sae/transformer sit beside @sae/train)
const USER_ERROR_NAMES = /^(UnknownHookError|SaeConfigError|CheckpointError|HookMismatchError|PretrainedNotFoundError|ListenError)$/;

export function isUserError(e: unknown): boolean {
  if (e instanceof DownloadError) return true; // @sae/hub's errors are not SaeErrors (hub does not depend on tensor-core)
  if (e instanceof LockBusyError) return true; // a run folder another `sae train` holds (@sae/train withRunLock)
  if (!(e instanceof SaeError)) return false;
  if (USER_ERRORS.some((C) => e instanceof C)) return true;
  return USER_ERROR_NAMES.test(e.name);
}

const FS_HINT: Record<string, string> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "a path part is a file, not a folder",
  EISDIR: "a folder where a file was expected",
  EEXIST: "already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  EFBIG: "file too large (a file-size limit?)",
  ENAMETOOLONG: "file name too long",
  EADDRINUSE: "address (port) in use",
};

/** One line for an operating-system error (Node/Bun `code` + path), or null when `e` is not one. */
export function systemErrorLine(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string" || !(code in FS_HINT)) return null;
  const path = (e as { path?: unknown }).path;
  const first = e.message.split("\n")[0];
  return typeof path === "string" && !first.includes(path) ? `${path}: ${FS_HINT[code]} (${first})` : `${FS_HINT[code]}: ${first}`;
}

/** One line for an allocation that failed on the host (a typed array or buffer too large for memory). */
export function outOfMemoryLine(e: unknown): string | null {
  if (!(e instanceof RangeError)) return null;
  if (!/out of memory|allocation failed|invalid (typed )?array (buffer )?length|array buffer/i.test(e.message)) return null;
  return `out of memory: ${e.message.split("\n")[0]} (lower the batch size, d_sae or context size)`;
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
  const sys = systemErrorLine(e);
  if (sys) {
    err(`error: ${sys}\n`);
    return 2;
  }
  const oom = outOfMemoryLine(e);
  if (oom) {
    err(`error: ${oom}\n`);
    return 1;
  }
  err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
