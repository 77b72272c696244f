// Which folder a training run writes into, so that no run ever overwrites another. A new run without run_name gets
// "<architecture>-<hook>-<d_sae>-s<seed>-<UTC time>" (plus "-2", "-3"... when that exists), claimed with an atomic
// mkdir so two runs started in the same second still differ. An explicit run_name whose folder holds anything is
// refused unless resume is set. resume without run_name continues the newest run of that architecture/hook/d_sae/seed.
// A run holds its folder's lock (withRunLock: @sae/hub's lock file ".sae-run.lock") for its whole life, so a second
// process on the folder (a --resume while the run still goes) stops at once. Not here: checkpoint contents.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { LockBusyError, withFileLock } from "@sae/hub/node";
import type { TrainConfig } from "./config.ts";
import { fsErrorCode } from "./durable.ts";
import { CheckpointError, ConfigError } from "./errors.ts";

/** The default run-name prefix: what the run trains, without the time. */
export function runPrefix(cfg: TrainConfig): string {
  return `${cfg.architecture}-${cfg.hook_name}-${cfg.d_sae ?? "auto"}-s${cfg.seed}`;
}

/** "20261204-181530": UTC time, sortable, safe in a path. */
export function timeStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** mkdir -p with the file-system failures (a file in the way, no permission, disk full) as typed errors. */
function ensureDir(dir: string, what: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CheckpointError(`${what} ${dir}: exists and is not a folder`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = fsErrorCode(e);
    if (!code) throw e;
    throw new CheckpointError(`${what} ${dir}: cannot create the folder: ${code} (${(e as Error).message})`);
  }
}

/** Creates `dir` only if it does not exist; false when it does. */
function claim(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return false;
    throw e;
  }
}

export interface RunDir {
  dir: string;
  /** True when this call created the folder (it is removed again if the run leaves nothing in it). */
  created: boolean;
}

/** The run folder for `cfg` (created for a new run); throws ConfigError when a new run would reuse a used folder. */
export function openRunDir(cfg: TrainConfig): RunDir {
  const root = resolve(cfg.checkpoint_path);
  ensureDir(root, "checkpoint_path");
  try {
    if (cfg.run_name !== null) return named(root, cfg.run_name, cfg.resume);
    if (cfg.resume) return { dir: newestRun(root, runPrefix(cfg)), created: false };
    const base = join(root, `${runPrefix(cfg)}-${timeStamp()}`);
    for (let i = 1; ; i++) {
      const dir = i === 1 ? base : `${base}-${i}`;
      if (claim(dir)) return { dir, created: true };
    }
  } catch (e) {
    const code = fsErrorCode(e);
    if (!code) throw e;
    const why = `${code} (${(e as Error).message})`;
    throw new CheckpointError(`checkpoint_path ${root}: cannot create the run folder: ${why}`);
  }
}

function named(root: string, name: string, resume: boolean): RunDir {
  const dir = join(root, name);
  if (resume) return { dir, created: false };
  if (claim(dir)) return { dir, created: true };
  if (!statSync(dir).isDirectory()) throw new ConfigError(`run_name '${name}': ${dir} exists and is not a folder`);
  if (readdirSync(dir).some((e) => !isRunLock(e))) {
    throw new ConfigError(
      `run_name '${name}': ${dir} already holds a run; continue it with --resume, or pick another --run-name ` +
        `(or leave --run-name out for a new timestamped folder). Nothing was overwritten.`,
    );
  }
  return { dir, created: false };
}

/** The newest run folder named "<prefix>" or "<prefix>-<time>[-n]" (by modification time). */
function newestRun(root: string, prefix: string): string {
  const runs = readdirSync(root)
    .filter((e) => e === prefix || e.startsWith(`${prefix}-`))
    .map((e) => join(root, e))
    .filter((d) => statSync(d).isDirectory())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!runs.length) {
    const hint = "pass --run-name <the run's folder name>";
    throw new ConfigError(`--resume: no run named ${prefix}-<time> under ${root}; ${hint}`);
  }
  return runs[0];
}

/** Removes a run folder this process created if the run left nothing in it (a failure before any file). */
export function dropIfEmpty(run: RunDir): void {
  if (!run.created || !existsSync(run.dir) || readdirSync(run.dir).length > 0) return;
  try {
    rmdirSync(run.dir);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOTEMPTY") throw e; // another process took the folder meanwhile
  }
}

/** The lock file of a live run in its folder; never a checkpoint (not a folder) nor a run's content. */
export const RUN_LOCK_FILE = ".sae-run.lock";

/** The lock file, or its aside while a stale one is being removed (hub-lock.ts: "<lock>.stale-<uuid>"). */
function isRunLock(name: string): boolean {
  return name === RUN_LOCK_FILE || name.startsWith(`${RUN_LOCK_FILE}.stale-`);
}

/**
 * Runs fn holding the lock of the run folder `dir`. While another live process holds it, throws LockBusyError at
 * once (fn does not run, nothing is touched), its message naming the folder, the holder and what to do. A lock left
 * by a killed or crashed run (its pid gone on this host, or not refreshed for 5 minutes) is taken over with a log
 * line. A folder that does not exist (a --resume of a run that is not there) is not created: fn runs and says so.
 */
export async function withRunLock<T>(dir: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  if (!existsSync(dir)) return fn();
  const path = join(dir, RUN_LOCK_FILE);
  let held = false;
  // a second Ctrl-C exits the process at once (no finally): the lock goes with it
  const onExit = () => {
    try {
      if (readFileSync(path, "utf8").startsWith(`${process.pid} ${hostname()} `)) rmSync(path, { force: true });
    } catch {} // already gone
  };
  const onStale = (h: string) => log(`run folder ${dir}: took over the stale lock of process ${h} (killed or crashed)`);
  try {
    return await withFileLock(path, async () => {
      held = true;
      process.on("exit", onExit);
      try {
        return await fn();
      } finally {
        process.off("exit", onExit);
      }
    }, { wait: false, staleMs: 300_000, onStale });
  } catch (e) {
    if (held || !(e instanceof LockBusyError)) throw e;
    const where = e.host === hostname() ? `pid ${e.pid}` : `pid ${e.pid} on ${e.host}`;
    throw new LockBusyError(e.path, e.pid, e.host,
      `run folder ${dir} is in use by another training process (${where}); wait for it to finish, or pick another ` +
        `--run-name. Nothing was touched.`,
    );
  }
}
