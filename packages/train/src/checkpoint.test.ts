// Checkpoint listing and clean-up on hand-made folders (no GPU): temporary folders are never listed, only those of
// dead processes (or our own pid) are removed, a short safetensors file fails checkComplete, order is by tokens.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveSafetensorsFile } from "@sae/tensor-core/node";
import { checkComplete, cleanTemp, latestCheckpoint, listCheckpoints, TRAINER_STATE_FILE } from "./checkpoint.ts";

function fakeCheckpoint(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cfg.json"), "{}");
  const t = { x: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } };
  saveSafetensorsFile(join(dir, "sae_weights.safetensors"), t);
  saveSafetensorsFile(join(dir, TRAINER_STATE_FILE), t, { state: "{}" });
}

test("temporary folders are never listed; cleanTemp removes only those of dead processes or our pid", () => {
  const run = mkdtempSync(join(tmpdir(), "sae-ckpt-"));
  for (const n of ["128", "final_640", "interrupted_384", "512"]) fakeCheckpoint(join(run, n));
  const sleeper = Bun.spawn({ cmd: ["sleep", "30"] });
  const dead = Bun.spawnSync({ cmd: ["true"] }).pid;
  const temps = [`final_99999.tmp-${dead}`, `768.tmp-${sleeper.pid}`, `896.tmp-${process.pid}`, `512.old.tmp-${dead}`];
  for (const n of temps) fakeCheckpoint(join(run, n));
  try {
    expect(listCheckpoints(run).map((d) => d.split("/").pop())).toEqual(["final_640", "512", "interrupted_384", "128"]);
    expect(latestCheckpoint(run)).toBe(join(run, "final_640"));
    const removed = cleanTemp(run).map((d) => d.split("/").pop());
    expect(removed.sort()).toEqual([`512.old.tmp-${dead}`, `896.tmp-${process.pid}`, `final_99999.tmp-${dead}`].sort());
    expect(existsSync(join(run, `768.tmp-${sleeper.pid}`))).toBe(true); // a live writer's folder stays
    expect(readdirSync(run).filter((e) => e.includes(".tmp-"))).toEqual([`768.tmp-${sleeper.pid}`]);
  } finally {
    sleeper.kill(9);
  }
});

test("checkComplete names a missing or short file; latestCheckpoint skips such a folder", () => {
  const run = mkdtempSync(join(tmpdir(), "sae-ckpt-"));
  fakeCheckpoint(join(run, "64"));
  fakeCheckpoint(join(run, "128"));
  const f = join(run, "128", "sae_weights.safetensors");
  const whole = readFileSync(f);
  writeFileSync(f, whole.subarray(0, whole.length - 4)); // the last float is missing
  expect(() => checkComplete(join(run, "128"))).toThrow(`${f}: safetensors ${f}: truncated`);
  expect(latestCheckpoint(run)).toBe(join(run, "64"));
  writeFileSync(join(run, "64", "cfg.json"), "{");
  expect(() => checkComplete(join(run, "64"))).toThrow(`${join(run, "64", "cfg.json")}: `);
  expect(latestCheckpoint(run)).toBeNull();
});
