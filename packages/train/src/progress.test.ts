import { describe, expect, test } from "bun:test";
import { formatBytes, formatCount, formatDuration, ProgressBar, type ProgressStream } from "./progress.ts";

function fakeStream(isTTY: boolean): ProgressStream & { out: string[] } {
  const out: string[] = [];
  return { isTTY, columns: 200, out, write: (s: string) => out.push(s) };
}

describe("progress bar", () => {
  test("formatting helpers", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(12_345)).toBe("12.3k");
    expect(formatCount(4_200_000)).toBe("4.20M");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Infinity)).toBe("?");
  });

  test("bytes with a total: bar, percent, sizes, rate, ETA", () => {
    let t = 0;
    const bar = new ProgressBar({ total: 4 * 1024 * 1024, unit: "B", label: "model.safetensors", stream: fakeStream(false), now: () => t });
    t = 2000;
    bar.update(1024 * 1024);
    expect(bar.line()).toBe("model.safetensors [######------------------]  25% 1.0 MiB/4.0 MiB 512.0 KiB/s ETA 0:06");
  });

  test("counts without a total, with extra fields", () => {
    let t = 0;
    const bar = new ProgressBar({ unit: "tok", stream: fakeStream(false), now: () => t });
    t = 10_000;
    bar.update(45_000, { loss: 0.012345, l0: 32, step: "100/500" });
    expect(bar.line()).toBe("45.0k tok 4500 tok/s 0:10 loss=0.01235 l0=32 step=100/500");
  });

  test("draws on a TTY at most every intervalMs, finishes with a newline; silent otherwise", () => {
    let t = 0;
    const tty = fakeStream(true);
    const bar = new ProgressBar({ total: 10, unit: "step", stream: tty, intervalMs: 100, now: () => t });
    expect(bar.enabled).toBe(true);
    bar.tick();
    t = 50;
    bar.tick();
    t = 150;
    bar.tick();
    bar.finish();
    bar.tick();
    expect(tty.out.length).toBe(4); // two throttled draws, the final draw and "\n"
    expect(tty.out[0].startsWith("\r")).toBe(true);
    expect(tty.out[2]).toContain(" 30% 3/10 step");
    expect(tty.out[3]).toBe("\n");
    for (const quietCase of [new ProgressBar({ stream: fakeStream(false) }), new ProgressBar({ stream: fakeStream(true), quiet: true })]) {
      expect(quietCase.enabled).toBe(false);
    }
    const piped = fakeStream(false);
    const silent = new ProgressBar({ total: 3, stream: piped });
    silent.update(2);
    silent.finish();
    expect(piped.out).toEqual([]);
  });
});
