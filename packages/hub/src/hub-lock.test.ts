// The blob lock file on its own: waiters wait for a live holder (whose heartbeat keeps the lock fresh), take over
// a lock whose process is gone or that nobody refreshes, and the file is removed after release, also on a throw.
// With { wait: false } a live holder is an immediate LockBusyError naming it; a stale lock is still taken over.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LockBusyError, withFileLock } from "./hub-lock.ts";

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

test("wait: false throws LockBusyError naming a live holder at once, and leaves its lock alone", async () => {
  const path = join(dir, "busy.sae-lock");
  let ran = false;
  const seen: unknown[] = [];
  await withFileLock(path, async () => {
    const held = readFileSync(path, "utf8");
    const t0 = Date.now();
    seen.push(await withFileLock(path, async () => void (ran = true), { wait: false }).catch((e) => e));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(readFileSync(path, "utf8")).toBe(held);
  });
  const e = seen[0] as LockBusyError;
  expect(e).toBeInstanceOf(LockBusyError);
  expect([e.pid, e.host, e.path]).toEqual([String(process.pid), hostname(), path]);
  expect(e.message).toBe(`${path} is locked by process ${process.pid} on ${hostname()}`);
  expect(ran).toBe(false);
  expect(existsSync(path)).toBe(false);
}, 5_000);

test("wait: false still takes over a lock whose process is gone, reporting the old holder to onStale", async () => {
  const path = join(dir, "dead-nowait.sae-lock");
  writeFileSync(path, `999999999 ${hostname()} gone`);
  const stale: string[] = [];
  const pid = await withFileLock(path, async () => readFileSync(path, "utf8").split(" ")[0], {
    wait: false,
    onStale: (h) => stale.push(h),
  });
  expect(pid).toBe(String(process.pid));
  expect(stale).toEqual([`999999999 ${hostname()}`]);
  expect(existsSync(path)).toBe(false);
}, 5_000);
