// A cross-process lock file: created with O_EXCL, holding "<pid> <host> <token>", its mtime refreshed while held.
// Two processes (or two calls in one) that download one blob thereby make one download. A lock is stale, and taken
// over, when its process is gone (same host) or its mtime is older than staleMs (a crashed holder on another host,
// a reused pid). Node has no flock(), so this is not the lock huggingface_hub's filelock takes on {etag}.lock;
// it lives beside it as {etag}.sae-lock. Not a general mutex: polling, no fairness. With { wait: false } a held lock
// throws LockBusyError (holder's pid and host) at once instead: @sae/train's one-process-per-run-folder lock.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";

export interface LockOptions {
  /** A lock whose mtime is older than this is stale (default 60 s; the holder refreshes it every staleMs / 4). */
  staleMs?: number;
  /** How often a waiter looks again (default 100 ms). */
  pollMs?: number;
  /** Called once when the lock is held by someone else and this call starts to wait. */
  onWait?: (holder: string) => void;
  /** false: throw LockBusyError at once when a live holder has the lock, instead of waiting (default true). */
  wait?: boolean;
  /** Called with the old holder ("<pid> <host>") when a stale lock is taken over. */
  onStale?: (holder: string) => void;
}

/** A lock held by another live process, with `{ wait: false }`: names the holder. */
export class LockBusyError extends Error {
  readonly path: string;
  readonly pid: string;
  readonly host: string;
  constructor(path: string, pid: string, host: string, message?: string) {
    super(message ?? `${path} is locked by process ${pid} on ${host}`);
    this.name = "LockBusyError";
    this.path = path;
    this.pid = pid;
    this.host = host;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return code(e) === "ESRCH";
  }
}

async function readLock(path: string): Promise<{ text: string; ageMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { text, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if (code(e) === "ENOENT") return undefined;
    throw e;
  }
}

function isStale(lock: { text: string; ageMs: number }, staleMs: number): boolean {
  const [pid, host] = lock.text.split(" ");
  if (host === hostname() && /^\d+$/.test(pid) && processGone(Number(pid))) return true;
  return lock.ageMs > staleMs;
}

/**
 * Removes a lock judged stale from `seen`. It is renamed away first (one waiter wins) and put back when it turns out
 * to be a newer lock than the one judged.
 */
async function breakLock(path: string, seen: string): Promise<void> {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (code(e) === "ENOENT") return;
    throw e;
  }
  if ((await readFile(aside, "utf8")) !== seen) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Runs fn while holding the lock file at path (created with its folders); waits while someone else holds it. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  const token = `${process.pid} ${hostname()} ${randomUUID()}`;
  await mkdir(dirname(path), { recursive: true });
  for (let waiting = false; ; ) {
    try {
      const fh = await open(path, "wx");
      await fh.writeFile(token);
      await fh.close();
      break;
    } catch (e) {
      if (code(e) !== "EEXIST") throw e;
    }
    const lock = await readLock(path);
    if (lock === undefined) continue;
    const [pid = "?", host = "?"] = lock.text.split(" ");
    if (isStale(lock, staleMs)) {
      await breakLock(path, lock.text);
      options.onStale?.(`${pid} ${host}`);
      continue;
    }
    if (options.wait === false) throw new LockBusyError(path, pid, host);
    if (!waiting) options.onWait?.(lock.text.split(" ")[0] || "?");
    waiting = true;
    await sleep(pollMs);
  }
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, staleMs / 4);
  beat.unref?.();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    if ((await readLock(path))?.text === token) await rm(path, { force: true });
  }
}
