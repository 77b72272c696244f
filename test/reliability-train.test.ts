// Fault suite for training runs and checkpoints (issue 15 part A; defect numbers from the reliability review):
// runs never collide (#1), kill -9 at random points during checkpoint writes never leaves a half-written checkpoint
// that anyone picks and resumes to the same weights, metrics and report as an unbroken run (#2, #14, #15), a
// truncated newest checkpoint is skipped (#14), a moved run resumes (#8), SIGTERM saves like Ctrl-C (#12), a full
// disk or a bad path is a typed one-line error naming the last good checkpoint (#9), an exploding loss stops with a
// sane "last good" checkpoint (#18), n_checkpoints >= steps and a data error mid-run say what they did (#23).
// The CLI runs as a child process (the bun binary running this test) on the bundled model with tiny settings.
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import type { Sae } from "@sae/core";
import { saveSae } from "@sae/core/node";
import { newestCheckpoint } from "@sae/server";
import { CheckpointError, resolveConfig } from "@sae/train";
import { checkComplete, latestCheckpoint, listCheckpoints, trainSae } from "@sae/train/node";
import { finish, start, steps, TINY } from "./cli_run_testing.ts";

const sae = (...args: string[]) => finish(start(args));
const train = (...args: string[]) => sae("train", ...TINY, ...args);
const weights = (ckpt: string) => loadSafetensorsFile(join(ckpt, "sae_weights.safetensors")).tensors;
const bytes = (f: string) => readFileSync(f).toString("base64");
const svgs = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
const temps = (dir: string) => readdirSync(dir).filter((e) => e.includes(".tmp-"));

function expectSameWeights(a: string, b: string): void {
  const wa = weights(a);
  const wb = weights(b);
  expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
  for (const [name, t] of wa) expect(Array.from(wb.get(name)!.data)).toEqual(Array.from(t.data));
}

/** Every checkpoint a reader can list is complete; latest/newest pickers never name a temporary folder. */
function expectOnlyCompleteCheckpoints(root: string, runDir: string): void {
  for (const d of listCheckpoints(runDir)) checkComplete(d);
  const latest = latestCheckpoint(runDir);
  if (latest) expect(latest.includes(".tmp-")).toBe(false);
  const newest = newestCheckpoint(root);
  if (newest) {
    expect(newest.includes(".tmp-")).toBe(false);
    checkComplete(newest);
  }
}

describe("training reliability faults", () => {
  test("#1 a second run never replaces the first; an existing --run-name is refused without --resume", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-collide-"));
    const a = await train("--training-tokens", "640", "--checkpoint-path", S, "--lr", "4e-4");
    expect(a.code).toBe(0);
    const [first] = readdirSync(S);
    const firstWeights = bytes(join(S, first, "final_640", "sae_weights.safetensors"));
    const b = await train("--training-tokens", "640", "--checkpoint-path", S, "--lr", "1e-3");
    expect(b.code).toBe(0);
    const runs = readdirSync(S).sort();
    expect(runs.length).toBe(2);
    for (const r of runs) expect(r).toMatch(/^topk-blocks\.1\.hook_resid_pre-256-s42-\d{8}-\d{6}(-\d+)?$/);
    expect(bytes(join(S, first, "final_640", "sae_weights.safetensors"))).toBe(firstWeights);
    const second = runs.find((r) => r !== first)!;
    expect(bytes(join(S, second, "final_640", "sae_weights.safetensors"))).not.toBe(firstWeights);
    // --resume without --run-name continues the newest run of this architecture/hook/d_sae/seed
    const c = await train("--training-tokens", "1280", "--checkpoint-path", S, "--lr", "1e-3", "--resume");
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`checkpoint: ${join(S, second, "final_1280")}`);
    expect(readdirSync(S).sort()).toEqual(runs);

    expect((await train("--training-tokens", "640", "--checkpoint-path", S, "--run-name", "r")).code).toBe(0);
    const kept = ["final_640/sae_weights.safetensors", "metrics.jsonl", "report.html"].map((f) =>
      bytes(join(S, "r", f)),
    );
    const again = await train("--training-tokens", "640", "--checkpoint-path", S, "--run-name", "r", "--lr", "1e-3");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `error: run_name 'r': ${join(S, "r")} already holds a run; continue it with --resume`,
    );
    expect(again.stderr).toContain("--run-name");
    expect(again.stderr).not.toContain("    at ");
    const now = ["final_640/sae_weights.safetensors", "metrics.jsonl", "report.html"].map((f) =>
      bytes(join(S, "r", f)),
    );
    expect(now).toEqual(kept);
  }, 60_000);

  // no reader picks a half-written folder, and the resumed run ends exactly as an unbroken one
  test("#2 #14 #15 kill -9 at random points during checkpoint writes, 4 times, then resume", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-kill-"));
    const common = ["--training-tokens", String(64 * 100), "--checkpoint-path", S];
    const ref = await train(...common, "--run-name", "ref");
    expect(ref.code).toBe(0);
    const run = join(S, "k");
    let killedMidWrite = 0;
    let cleaned = 0;
    for (let round = 0; round < 4; round++) {
      const p = start([
        "train",
        ...TINY,
        ...common,
        "--run-name",
        "k",
        "--n-checkpoints",
        "49",
        ...(round ? ["--resume"] : []),
      ]);
      const deadline = Date.now() + 60_000;
      const before = existsSync(run) ? listCheckpoints(run).length : 0;
      const writing = () => existsSync(run) && temps(run).some((e) => e.endsWith(`.tmp-${p.pid}`));
      // once a checkpoint exists, wait for one being written by this process, then kill at once or after a random delay
      while (Date.now() < deadline && !(listCheckpoints(run).length > 0 && writing())) await Bun.sleep(1);
      if (round % 2 === 1) await Bun.sleep(Math.floor(Math.random() * 120));
      if (writing()) killedMidWrite++;
      p.kill(9);
      const r = await finish(p);
      expect(p.signalCode).toBe("SIGKILL");
      if (round > 0 && r.stderr.includes("the temporary checkpoint of a run that was killed")) cleaned++;
      expect(listCheckpoints(run).length).toBeGreaterThanOrEqual(before);
      expectOnlyCompleteCheckpoints(S, run);
    }
    expect(killedMidWrite).toBeGreaterThan(0);
    const done = await train(...common, "--run-name", "k", "--n-checkpoints", "49", "--resume");
    expect(done.code).toBe(0);
    if (done.stderr.includes("the temporary checkpoint of a run that was killed")) cleaned++;
    expect(cleaned).toBeGreaterThan(0); // the leftovers of the kills were removed on the next start
    expect(temps(run)).toEqual([]);
    expectSameWeights(join(S, "ref", "final_6400"), join(run, "final_6400"));
    // one consistent metrics.jsonl: each step once, the same values as the unbroken run
    expect(steps(run)).toEqual(steps(join(S, "ref")));
    // the report draws the whole run: the same charts as the unbroken run
    const a = svgs(readFileSync(join(S, "ref", "report.html"), "utf8"));
    expect(a.length).toBeGreaterThan(3);
    expect(svgs(readFileSync(join(run, "report.html"), "utf8"))).toEqual(a);
  }, 180_000);

  test("#2 #14 a planted temp folder is never chosen, then removed; --resume skips a truncated one", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-temp-"));
    const run = join(S, "r");
    expect(
      (await train("--training-tokens", "640", "--n-checkpoints", "1", "--checkpoint-path", S, "--run-name", "r")).code,
    ).toBe(0);
    const dead = Bun.spawnSync({ cmd: ["true"] }).pid; // a pid that has exited
    const planted = join(run, `final_99999.tmp-${dead}`);
    cpSync(join(run, "final_640"), planted, { recursive: true });
    expect(newestCheckpoint(S)).toBe(join(run, "final_640"));
    expect(latestCheckpoint(run)).toBe(join(run, "final_640"));
    const inspect = await sae("inspect", "ROMEO: But soft", "--checkpoints", S);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain(`from ${join(run, "final_640")}`);

    writeFileSync(join(run, "final_640", "trainer_state.safetensors"), ""); // a truncated newest checkpoint
    const r = await train(
      "--training-tokens",
      "1280",
      "--n-checkpoints",
      "1",
      "--checkpoint-path",
      S,
      "--run-name",
      "r",
      "--resume",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--resume: skipping ${join(run, "final_640")}: `);
    expect(r.stderr).toContain("truncated");
    expect(r.stderr).toContain(`--resume: resuming from ${join(run, "384")} instead`); // SAELens: the step past 320
    expect(r.stderr).toContain(`removed ${planted}`);
    expect(existsSync(planted)).toBe(false);
    checkComplete(join(run, "final_1280"));
    // steps 1-5 from the first run, 6-20 from the resumed one, each once
    expect(steps(run).map((s) => s.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  }, 60_000);

  test("#8 --resume finds the run through a differently spelled path and after the run folder was moved", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-move-"));
    expect((await train("--training-tokens", "640", "--checkpoint-path", join(S, "ck"), "--run-name", "r")).code).toBe(
      0,
    );
    const a = await train(
      "--training-tokens",
      "1280",
      "--checkpoint-path",
      `${join(S, "ck")}/`,
      "--run-name",
      "r",
      "--resume",
    );
    expect(a.stderr).not.toContain("error");
    expect(a.code).toBe(0);
    renameSync(join(S, "ck"), join(S, "moved"));
    const b = await train(
      "--training-tokens",
      "1920",
      "--checkpoint-path",
      join(S, "moved"),
      "--run-name",
      "r",
      "--resume",
    );
    expect(b.code).toBe(0);
    checkComplete(join(S, "moved", "r", "final_1920"));
  }, 60_000);

  test("#12 SIGTERM writes a resumable checkpoint and exits like Ctrl-C", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-term-"));
    const p = start(["train", ...TINY, "--training-tokens", "6400000", "--checkpoint-path", S]);
    const deadline = Date.now() + 60_000;
    const metrics = () =>
      readdirSync(S)
        .map((r) => join(S, r, "metrics.jsonl"))
        .find((f) => existsSync(f));
    while (Date.now() < deadline && !(metrics() && readFileSync(metrics()!, "utf8").includes('"type":"step"')))
      await Bun.sleep(20);
    p.kill("SIGTERM");
    const r = await finish(p);
    expect(r.code).toBe(130);
    const [run] = readdirSync(S);
    const m = /checkpoint: (.*interrupted_(\d+))\n/.exec(r.stdout)!;
    expect(m[1]).toBe(join(S, run, `interrupted_${m[2]}`));
    expect(Number(m[2]) % 64).toBe(0);
    checkComplete(m[1]);
    expect(r.stdout).toContain(`--run-name ${run} --resume`);
  }, 60_000);

  test("#9 disk full while checkpointing: a typed error naming the last good one; no partial folder", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-full-"));
    const base = { context_size: 16, store_batch_size_prompts: 4, n_batches_in_buffer: 4, train_batch_size_tokens: 64 };
    const cfg = {
      ...base,
      training_tokens: 640,
      expansion_factor: 2,
      k: 8,
      eval_holdout_prompts: 8,
      n_eval_batches: 1,
    };
    let calls = 0;
    const fullDisk = async (s: Sae, dir: string) => {
      if (++calls < 3) return saveSae(s, dir);
      writeFileSync(join(dir, "sae_weights.safetensors"), "half of a file"); // the disk fills mid-write
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: "ENOSPC" });
    };
    const e = await trainSae(resolveConfig({ ...cfg, checkpoint_path: S, run_name: "f", n_checkpoints: 4 }), {
      saveSae: fullDisk,
    }).catch((x) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    const run = join(S, "f");
    expect(e.message).toBe(
      `cannot write checkpoint ${join(run, "448")}: ENOSPC (ENOSPC: no space left on device, write); ` +
        "no partial folder was left. " +
        `The last good checkpoint is ${join(run, "320")}`,
    );
    // SAELens 6.18's thresholds 128, 256, 384, 512: checkpoints after steps 3, 5, 7 (192, 320, 448 tokens), ...
    expect(readdirSync(run).sort()).toEqual(["192", "320", "metrics.jsonl"]);
    for (const d of ["192", "320"]) checkComplete(join(run, d));
    const noPerm = async () => {
      throw Object.assign(new Error("EACCES: permission denied, open"), { code: "EACCES" });
    };
    const e2 = await trainSae(resolveConfig({ ...cfg, checkpoint_path: S, run_name: "g" }), { saveSae: noPerm }).catch(
      (x) => x,
    );
    expect(e2).toBeInstanceOf(CheckpointError);
    expect(e2.message).toMatch(/final_640: EACCES .*; no partial folder was left\. No checkpoint was written before$/);
    expect(temps(join(S, "g"))).toEqual([]);

    // a path that is a file, and a batch no machine holds: one line, exit 2, no stack
    writeFileSync(join(S, "file"), "");
    const a = await train("--training-tokens", "640", "--checkpoint-path", join(S, "file"));
    expect([a.code, a.stderr.split("\n").filter((l) => l.startsWith("error"))]).toEqual([
      2,
      [`error: checkpoint_path ${join(S, "file")}: exists and is not a folder`],
    ]);
    const b = await train("--training-tokens", "640", "--checkpoint-path", join(S, "file", "sub"));
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`error: checkpoint_path ${join(S, "file", "sub")}: cannot create the folder: ENOTDIR`);
    const c = await train(
      "--training-tokens",
      "640",
      "--train-batch-size-tokens",
      "1000000000",
      "--checkpoint-path",
      S,
    );
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(
      "error: out of memory: the activation store needs 1000000064 x 128 floats (train_batch_size_tokens 1000000000",
    );
    for (const r of [a, b, c]) expect(r.stderr).not.toContain("    at ");
  }, 60_000);

  test("#18 an exploding loss stops the run; the last good checkpoint it names is finite and sane", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-div-"));
    const hi = await train(
      "--training-tokens",
      "12800",
      "--lr",
      "1e3",
      "--lr-warm-up-steps",
      "100",
      "--checkpoint-path",
      S,
      "--run-name",
      "hi",
    );
    expect(hi.code).toBe(1);
    expect(hi.stderr).toMatch(
      /error: training diverged: mse_loss \S+ is over 1000x the activations' own energy \S+ .* at step \d+/,
    );
    expect(readdirSync(join(S, "hi")).some((f) => f.startsWith("final_"))).toBe(false);

    const args = [
      "--training-tokens",
      "6400",
      "--lr",
      "2",
      "--lr-warm-up-steps",
      "30",
      "--n-checkpoints",
      "24", // SAELens's thresholds every 256 tokens: a checkpoint after step 5 (320), confirmed by step 6's readback
      "--wandb-log-frequency",
      "3",
    ];
    const r = await train(...args, "--checkpoint-path", S, "--run-name", "late");
    expect(r.code).toBe(1);
    const re =
      /over 1000x the activations' own energy (\S+) .* at step (\d+);.* The last good checkpoint is (\S+); nothing/;
    const m = re.exec(r.stderr)!;
    expect(m).not.toBeNull();
    const [energy, step, good] = [Number(m[1]), Number(m[2]), m[3]];
    expect(Number(good.split("/").pop()) / 64).toBeLessThan(step);
    for (const [, t] of weights(good)) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    const ev = await sae("eval", good, "--prompts", "8", "--batch-prompts", "4", "--json");
    expect(ev.code).toBe(0);
    const res = JSON.parse(ev.stdout);
    expect(res.mse).toBeLessThan(energy); // better than an all-zero output
  }, 60_000);

  test("#23 n_checkpoints >= steps says how many SAELens's thresholds place; a data error mid-run saves the weights", async () => {
    const S = mkdtempSync(join(tmpdir(), "rel-edge-"));
    const r = await train(
      "--training-tokens",
      "640",
      "--n-checkpoints",
      "20",
      "--checkpoint-path",
      S,
      "--run-name",
      "n",
    );
    expect(r.code).toBe(0);
    // SAELens 6.18: thresholds range(0, 640, ceil(640 / 21) = 31)[1:] (20 of them), one dropped per step: a
    // checkpoint after each of the 10 steps, the last ("640") next to final_640
    expect(r.stderr).toContain("n_checkpoints 20 with 10 steps: writing 10 (SAELens's thresholds: at most one per step");
    expect(listCheckpoints(join(S, "n")).map((d) => d.split("/").pop())).toEqual([
      "final_640",
      ...[10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((i) => String(64 * i)),
    ]);

    const text = (i: number) =>
      JSON.stringify({ text: `ROMEO: But, soft! what light through yonder window breaks? It is the east. ${i}` });
    const data = join(S, "d.jsonl");
    writeFileSync(data, `${Array.from({ length: 120 }, (_, i) => text(i)).join("\n")}\n{"text": broken\n`);
    const d = await train(
      "--training-tokens",
      "64000",
      "--dataset-path",
      data,
      "--checkpoint-path",
      S,
      "--run-name",
      "d",
    );
    expect(d.code).toBe(2);
    const m = new RegExp(
      `error: ${data}:121: malformed JSON line .*\\. ` +
        "Training stopped after (\\d+) steps \\((\\d+) tokens\\); the weights so far are in (\\S+)\\n",
    ).exec(d.stderr)!;
    expect(m).not.toBeNull();
    expect(Number(m[2])).toBe(64 * Number(m[1]));
    expect(m[3]).toBe(join(S, "d", `interrupted_${m[2]}`));
    checkComplete(m[3]);
  }, 60_000);
});
