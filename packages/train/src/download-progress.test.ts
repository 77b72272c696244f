import { describe, expect, test } from "bun:test";
import { downloadProgress } from "./download-progress.ts";
import { formatBytes } from "./progress.ts";

function tty(isTTY = true) {
  const out: string[] = [];
  return { isTTY, columns: 400, out, write: (s: string) => out.push(s) };
}

describe("downloadProgress", () => {
  test("one byte bar per file, labelled with the file name, ended (newline) when the last byte arrives", () => {
    const s = tty();
    const report = downloadProgress(s);
    const p = { repoId: "org/m", filename: "model.safetensors", total: 3 * 2 ** 20 };
    report({ ...p, downloaded: 2 ** 20 });
    report({ repoId: "org/m", filename: "config.json", downloaded: 10, total: 10 });
    report({ ...p, downloaded: 3 * 2 ** 20 });
    const text = s.out.join("");
    expect(text).toContain("model.safetensors [########----------------]  33% 1.0 MiB/3.0 MiB");
    expect(text).toContain("config.json [########################] 100% 10 B/10 B");
    expect(text).toContain(`model.safetensors [########################] 100% ${formatBytes(3 * 2 ** 20)}/3.0 MiB`);
    expect(s.out.filter((x) => x === "\n").length).toBe(2); // each finished file ends its line once
  });

  test("a total learned only at the end (no Content-Length) finishes the bar", () => {
    const s = tty();
    const report = downloadProgress(s);
    report({ repoId: "org/d", filename: "data.parquet", downloaded: 512, total: undefined });
    report({ repoId: "org/d", filename: "data.parquet", downloaded: 1024, total: 1024 });
    expect(s.out.join("")).toContain("data.parquet [########################] 100% 1.0 KiB/1.0 KiB");
    expect(s.out.at(-1)).toBe("\n");
  });

  test("silent on a stream that is not a TTY, and when quiet", () => {
    for (const [s, quiet] of [[tty(false), false], [tty(true), true]] as const) {
      const report = downloadProgress(s, quiet);
      report({ repoId: "org/m", filename: "a.bin", downloaded: 5, total: 5 });
      expect(s.out).toEqual([]);
    }
  });
});
