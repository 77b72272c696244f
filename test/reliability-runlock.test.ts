// One training process per run folder: a run holds its folder's lock (@sae/hub's lock file, run-dir.ts withRunLock)
// for its whole life. A second trainSae on the folder (a --resume started while the run still goes) fails at once
// with LockBusyError naming the folder and the holder, and the first run's metrics.jsonl stays the same as an
// unbroken run's; a lock left by a dead process is taken over with a log line; the lock file is invisible to the
// checkpoint and run pickers; the CLI's second run exits 2 with one line, and SIGTERM releases the lock.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LockBusyError } from "@sae/hub/node";
import { newestCheckpoint } from "@sae/server";
import { resolveConfig } from "@sae/train";
import { checkComplete, latestCheckpoint, listCheckpoints, RUN_LOCK_FILE, trainSae } from "@sae/train/node";
import { finish, start, steps, TINY } from "./cli_run_testing.ts";

const CFG = {
  context_size: 16,
  store_batch_size_prompts: 4,
  n_batches_in_buffer: 4,
  train_batch_size_tokens: 64,
  expansion_factor: 2,
  k: 8,
  eval_holdout_prompts: 8,
  n_eval_batches: 1,
  wandb_log_frequency: 2,
};
const hasStep = (run: string) =>
  existsSync(join(run, "metrics.jsonl")) && readFileSync(join(run, "metrics.jsonl"), "utf8").includes('"type":"step"');

async function until(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

describe("one training process per run folder", () => {
  test("a second trainSae on a running run's folder fails at once; the first ends like an unbroken run", async () => {
    const S = mkdtempSync(join(tmpdir(), "runlock-two-"));
    const cfg = { ...CFG, training_tokens: 64 * 150, checkpoint_path: S };
    await trainSae(resolveConfig({ ...cfg, run_name: "ref" }));
    const run = join(S, "r");
    let firstDone = false;
    const first = trainSae(resolveConfig({ ...cfg, run_name: "r" })).finally(() => (firstDone = true));
    await until(() => existsSync(join(run, RUN_LOCK_FILE)) && hasStep(run), 60_000);
    expect(readFileSync(join(run, RUN_LOCK_FILE), "utf8")).toStartWith(`${process.pid} ${hostname()} `);
    const e = await trainSae(resolveConfig({ ...cfg, run_name: "r", resume: true })).catch((x) => x);
    expect(firstDone).toBe(false); // it did not wait for the first run
    expect(e).toBeInstanceOf(LockBusyError);
    expect(e.message).toBe(
      `run folder ${run} is in use by another training process (pid ${process.pid}); wait for it to finish, ` +
        "or pick another --run-name. Nothing was touched.",
    );
    expect([e.pid, e.host]).toEqual([String(process.pid), hostname()]);
    const done = await first;
    expect(done.checkpoint).toBe(join(run, "final_9600"));
    checkComplete(done.checkpoint);
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false); // released
    // every line parses, each step once, the same values as the unbroken run
    expect(steps(run)).toEqual(steps(join(S, "ref")));
    expect(steps(run).length).toBe(75); // a record every wandb_log_frequency = 2 steps of 150
  }, 180_000);

  test("a lock left by a dead process is taken over with a log line; the lock file is no run content", async () => {
    const S = mkdtempSync(join(tmpdir(), "runlock-stale-"));
    const run = join(S, "d");
    mkdirSync(run);
    writeFileSync(join(run, RUN_LOCK_FILE), `999999999 ${hostname()} killed`); // a `kill -9`ed run's lock
    const log: string[] = [];
    // a new --run-name whose folder holds only a stale lock is an empty folder, not "already holds a run"
    const r = await trainSae(resolveConfig({ ...CFG, training_tokens: 640, checkpoint_path: S, run_name: "d" }), {
      log: (l) => log.push(l),
    });
    const note = `run folder ${run}: took over the stale lock of process 999999999 ${hostname()} (killed or crashed)`;
    expect(log).toContain(note);
    expect(r.checkpoint).toBe(join(run, "final_640"));
    expect(readdirSync(run).sort()).toEqual(["final_640", "metrics.jsonl", "report.html"]);

    // a lock file (live or left over) never counts as a checkpoint, and newest-run/newest-checkpoint ignore it
    writeFileSync(join(run, RUN_LOCK_FILE), `999999999 ${hostname()} killed`);
    expect(listCheckpoints(run)).toEqual([join(run, "final_640")]);
    expect(latestCheckpoint(run)).toBe(join(run, "final_640"));
    expect(newestCheckpoint(S)).toBe(join(run, "final_640"));

    // a created folder that a failed run left empty is removed, lock and all
    const bad = await trainSae(
      resolveConfig({ ...CFG, training_tokens: 640, checkpoint_path: S, run_name: "e", eval_holdout_prompts: 1e6 }),
    ).catch((x) => x);
    expect(bad).toBeInstanceOf(Error);
    expect(bad).not.toBeInstanceOf(LockBusyError);
    expect(existsSync(join(S, "e"))).toBe(false);
  }, 120_000);

  test("CLI: a second `sae train` on a running run exits 2 with one line; SIGTERM releases the lock", async () => {
    const S = mkdtempSync(join(tmpdir(), "runlock-cli-"));
    const run = join(S, "c");
    const p = start(["train", ...TINY, "--training-tokens", "6400000", "--checkpoint-path", S, "--run-name", "c"]);
    await until(() => hasStep(run), 60_000);
    const second = await finish(start(["train", ...TINY, "--training-tokens", "640", "--checkpoint-path", S,
      "--run-name", "c", "--resume"]));
    expect(second.code).toBe(2);
    expect(second.stderr.split("\n").filter((l) => l.startsWith("error"))).toEqual([
      `error: run folder ${run} is in use by another training process (pid ${p.pid}); wait for it to finish, ` +
        "or pick another --run-name. Nothing was touched.",
    ]);
    expect(second.stderr).not.toContain("    at ");
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(true);
    p.kill("SIGTERM");
    const r = await finish(p);
    expect(r.code).toBe(130);
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false);
    const m = /checkpoint: (.*interrupted_(\d+))\n/.exec(r.stdout)!;
    checkComplete(m[1]);
    // the folder is free again: a --resume continues it
    const more = String(Number(m[2]) + 128);
    const resumed = await finish(start(["train", ...TINY, "--training-tokens", more, "--checkpoint-path", S,
      "--run-name", "c", "--resume"]));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`checkpoint: ${join(run, `final_${more}`)}`);
  }, 120_000);
});
