// CLI conventions through the real entry `main`: --version, -h / --help / `sae help <command>` on every command (the
// same text), aligned help columns, snake_case flags read as their kebab form, and misspelt flags or commands named
// with the nearest known one. Every command parses with @sae/train's parseFlags (the one flag parser).
import { describe, expect, test } from "bun:test";
import { parseFlags } from "@sae/train";
import pkg from "../package.json" with { type: "json" };
import type { CliIO } from "./command.ts";
import { parseCommandFlags } from "./commands/analysis_flags.ts";
import { COMMANDS } from "./commands/index.ts";
import { STEER_FLAGS } from "./commands/steer.ts";
import { main } from "./main.ts";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), progress: { write: () => true }, onInterrupt: () => () => {} };
  const code = await main(args, io);
  return { code, out, err };
}

describe("sae --version and help", () => {
  test("--version (and -V) print the package version", async () => {
    for (const flag of ["--version", "-V"]) expect(await run([flag])).toEqual({ code: 0, out: `sae ${pkg.version}\n`, err: "" });
  });

  test("every command: -h, --help and `sae help <command>` print the same usage, exit 0", async () => {
    for (const name of Object.keys(COMMANDS)) {
      const h = await run([name, "-h"]);
      expect(h.code).toBe(0);
      expect(h.out).toStartWith(`usage: sae ${name}`);
      expect(await run([name, "--help"])).toEqual(h);
      expect(await run(["help", name])).toEqual(h);
    }
    const top = await run(["help"]);
    expect(top.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(top.out).toContain(`  ${name} `);
  });

  test("help columns are aligned: every flag row's description starts in the same column", async () => {
    for (const name of Object.keys(COMMANDS)) {
      const { out } = await run([name, "-h"]);
      const rows = out.split("\n").filter((l) => l.startsWith("  --"));
      expect(rows.length).toBeGreaterThan(3);
      // the description column: the first character after the widest flag cell plus its padding
      const starts = rows.map((l) => /^ {2}--\S+(?: \.\.\.)? +/.exec(l)![0].length);
      expect(new Set(starts).size).toBe(1);
    }
    const top = (await run(["help"])).out.split("\n").filter((l) => /^ {2}\w/.test(l));
    expect(new Set(top.map((l) => /^ {2}[\w-]+ +/.exec(l)![0].length)).size).toBe(1);
  });
});

describe("flags", () => {
  test("snake_case spellings are the kebab flags (config keys and command flags)", () => {
    expect(parseFlags(["--d_sae", "64", "--l1_coefficient=2", "--no_prepend_bos"]).overrides).toEqual(
      parseFlags(["--d-sae", "64", "--l1-coefficient=2", "--no-prepend-bos"]).overrides,
    );
    expect(parseFlags(["--d_sae", "64"]).overrides).toEqual({ d_sae: 64 });
    const snake = parseCommandFlags("steer", ["x", "--max_new_tokens", "5", "--top_k=3"], STEER_FLAGS);
    expect(snake).toEqual(parseCommandFlags("steer", ["x", "--max-new-tokens", "5", "--top-k=3"], STEER_FLAGS));
    expect(snake.flags["max-new-tokens"]).toBe(5);
  });

  test("misspelt flags and commands name the nearest known one; a bad value names the flag as typed", async () => {
    const steer = await run(["steer", "x", "--max_new_tokns", "5"]);
    expect(steer.code).toBe(2);
    expect(steer.err).toContain("did you mean '--max-new-tokens'");
    const train = await run(["train", "--l1_coeficient", "3"]);
    expect(train.code).toBe(2);
    expect(train.err).toContain("unknown flag --l1_coeficient (did you mean '--l1-coefficient'?)");
    const value = await run(["train", "--d_sae", "abc"]);
    expect(value.code).toBe(2);
    expect(value.err).toContain("--d_sae: expected a number, got 'abc'");
    const help = await run(["help", "serv"]);
    expect(help.code).toBe(2);
    expect(help.err).toContain("did you mean 'serve'");
  });
});
