// Durable, atomic file-system steps for run folders: fsync of files and folders (so a rename that survived a crash
// points at complete data), an atomic text write (temp file + fsync + rename), the "<name>.tmp-<pid>" naming every
// temporary folder and file of a run uses, and the errno codes that mean "the disk, not the program" (full, read-only,
// no permission, not a folder). Not here: what a checkpoint holds (checkpoint.ts).
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Errno codes of a write the file system refused (reported as a typed error, never a stack trace). */
export const FS_WRITE_CODES = [
  "ENOSPC",
  "EDQUOT",
  "EFBIG",
  "EACCES",
  "EPERM",
  "EROFS",
  "ENOTDIR",
  "EEXIST",
  "EISDIR",
  "EIO",
  "ENOENT",
];

/** The errno code of a Node file-system error, or null for anything else. */
export function fsErrorCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && FS_WRITE_CODES.includes(code) ? code : null;
}

const TEMP = /\.tmp-(\d+)$/;

/** The temporary name of `path` for this process: "<path>.tmp-<pid>". */
export function tempName(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** The pid a temporary name belongs to, or null when `name` is not a temporary name. */
export function tempOwner(name: string): number | null {
  const m = TEMP.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether a process with this pid is alive (a pid we may not signal counts as alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** fsync one file or folder by path. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync every file in a folder (one level), then the folder itself. */
export function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir)) if (statSync(join(dir, e)).isFile()) fsyncPath(join(dir, e));
  fsyncPath(dir);
}

/** Writes a text file atomically and durably: "<path>.tmp-<pid>", fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, text);
    fsyncPath(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dirname(path));
}
