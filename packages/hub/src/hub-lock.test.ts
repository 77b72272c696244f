// The blob lock file on its own: waiters wait for a live holder (whose heartbeat keeps the lock fresh), take over
// a lock whose process is gone or that nobody refreshes, and the file is removed after release, also on a throw.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { withFileLock } from "./hub-lock.ts";

const dir = mkdtempSync(join(tmpdir(), "hub-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a second caller waits for a live holder whose heartbeat outlasts staleMs, then runs", async () => {
  const path = join(dir, "sub", "a.sae-lock");
  const events: string[] = [];
  const waits: string[] = [];
  const first = withFileLock(path, async () => {
    events.push(`a holds ${readFileSync(path, "utf8").split(" ")[0]}`);
    await sleep(900); // three times staleMs: only the heartbeat keeps the lock fresh
    events.push("a done");
  }, { staleMs: 300 });
  await sleep(50);
  const second = withFileLock(path, async () => void events.push("b runs"), {
    staleMs: 300,
    pollMs: 20,
    onWait: (pid) => waits.push(pid),
  });
  await Promise.all([first, second]);
  expect(events).toEqual([`a holds ${process.pid}`, "a done", "b runs"]);
  expect(waits).toEqual([String(process.pid)]);
  expect(existsSync(path)).toBe(false);
}, 5_000);

test("a lock of a process that is gone (this host) is taken over at once", async () => {
  const path = join(dir, "dead.sae-lock");
  writeFileSync(path, `999999999 ${hostname()} gone`);
  const t0 = Date.now();
  expect(await withFileLock(path, async () => readFileSync(path, "utf8").split(" ")[0], { staleMs: 60_000 })).toBe(
    String(process.pid),
  );
  expect(Date.now() - t0).toBeLessThan(1000);
}, 5_000);

test("another host's lock is waited for while fresh and taken over once not refreshed for staleMs", async () => {
  const path = join(dir, "remote.sae-lock");
  writeFileSync(path, "4242 some-other-host token");
  const old = new Date(Date.now() - 10_000);
  utimesSync(path, old, old);
  const t0 = Date.now();
  await withFileLock(path, async () => undefined, { staleMs: 5_000 });
  expect(Date.now() - t0).toBeLessThan(1000); // 10 s old: stale at once

  writeFileSync(path, "4242 some-other-host token"); // fresh: waited for until it is 400 ms old
  const t1 = Date.now();
  await withFileLock(path, async () => undefined, { staleMs: 400, pollMs: 20 });
  expect(Date.now() - t1).toBeGreaterThanOrEqual(350);
  expect(existsSync(path)).toBe(false);
}, 5_000);

test("the lock is released when fn throws, and the error passes through", async () => {
  const path = join(dir, "throws.sae-lock");
  const err = await withFileLock(path, async () => {
    throw new Error("boom");
  }).catch((e: Error) => e);
  expect((err as Error).message).toBe("boom");
  expect(existsSync(path)).toBe(false);
  expect(await withFileLock(path, async () => 7)).toBe(7);
});
