// The error edge (issue 15 #9): operating-system and host-memory failures are one line naming the path or the cause
// with a non-zero exit, typed errors keep their codes, and only real bugs print `internal error` with a stack.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { ConfigError, DivergedError } from "@sae/train";
import { LockBusyError } from "@sae/hub/node";
import { ListenError } from "@sae/server";
import { parseCommandFlags, UsageError } from "./commands/analysis_flags.ts";
import { outOfMemoryLine, reportError, systemErrorLine } from "./errors.ts";

function report(e: unknown): { code: number; text: string } {
  let text = "";
  const code = reportError(e, (t) => void (text += t));
  return { code, text };
}

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
};

describe("reportError", () => {
  test("real ENOTDIR/ENOENT errors from node:fs are one line naming the path, exit 2", () => {
    const notDir = thrown(() => mkdirSync("/etc/hostname/run", { recursive: true }));
    expect(systemErrorLine(notDir)).toStartWith("a path part is a file, not a folder: ENOTDIR");
    const r = report(notDir);
    expect(r.code).toBe(2);
    expect(r.text).toContain("/etc/hostname/run");
    expect(r.text.trim().split("\n")).toHaveLength(1);
    const missing = report(thrown(() => readFileSync("/nonexistent/x")));
    expect(missing).toEqual({ code: 2, text: expect.stringContaining("no such file or folder") });
  });

  test("host out of memory is one line, exit 1; typed errors keep their codes; a bug keeps its stack", () => {
    const oom = new RangeError("Out of memory");
    expect(outOfMemoryLine(oom)).toBe("out of memory: Out of memory (lower the batch size, d_sae or context size)");
    expect(report(oom).code).toBe(1);
    expect(report(new RangeError("Invalid typed array length: 4000000000000")).text).toStartWith("error: out of memory");
    expect(report(new ListenError("cannot listen on 127.0.0.1:1: the port is in use"))).toEqual({ code: 2, text: "error: cannot listen on 127.0.0.1:1: the port is in use\n" });
    expect(report(new ConfigError("x")).code).toBe(2);
    expect(report(new LockBusyError("/r/.sae-run.lock", "42", "h", "run folder /r is in use (pid 42)"))).toEqual({
      code: 2,
      text: "error: run folder /r is in use (pid 42)\n",
    });
    expect(report(new DivergedError(3, "diverged")).code).toBe(1);
    const bug = report(new TypeError("undefined is not a function"));
    expect(bug.code).toBe(1);
    expect(bug.text).toStartWith("internal error: TypeError");
    expect(bug.text).toMatch(/\n\s+at /);
  });
});

describe("number flags", () => {
  test("kinds: number (finite), count (positive integer), int (integer >= 0)", () => {
    const one = (kind: "number" | "count" | "int", raw: string) =>
      parseCommandFlags("x", ["--n", raw], { n: { kind, help: "" } }).flags.n;
    expect(one("number", "-2.5e3")).toBe(-2500);
    expect(one("count", "7")).toBe(7);
    expect(one("int", "0")).toBe(0);
    for (const [kind, raw] of [["number", "1e400"], ["number", ""], ["count", "0"], ["count", "2.5"], ["count", "-1"], ["int", "-1"], ["int", "1e20"]] as const) {
      expect(() => one(kind, raw)).toThrow(UsageError);
      expect(() => one(kind, raw)).toThrow("sae x: --n must be ");
    }
  });
});
