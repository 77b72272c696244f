// Flag parsing of the analysis commands and how their mistakes reach the user: exit code 2 with a message
// (and a suggestion for a misspelt flag), through the real CLI entry `main`.
import { describe, expect, test } from "bun:test";
import { main } from "../main.ts";
import type { CliIO } from "../command.ts";
import { parseCommandFlags, UsageError } from "./analysis_flags.ts";
import { INSPECT_FLAGS } from "./inspect.ts";
import { parseFeatureFlag } from "./steer.ts";

function io(): CliIO & { outText: () => string; errText: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    progress: { write: () => true },
    onInterrupt: () => () => {},
    outText: () => out,
    errText: () => err,
  };
}

describe("analysis command flags", () => {
  test("values, defaults, lists and positionals", () => {
    const spec = { n: { kind: "number", default: 3, help: "" }, s: { kind: "string", help: "" }, b: { kind: "bool", default: false, help: "" }, l: { kind: "list", help: "" } } as const;
    const r = parseCommandFlags("x", ["pos", "--n=7", "--s", "hi", "--b", "--l", "a", "--l=b"], spec);
    expect(r).toEqual({ flags: { n: 7, s: "hi", b: true, l: ["a", "b"] }, positional: ["pos"] });
    expect(parseCommandFlags("x", [], spec).flags).toEqual({ n: 3, s: undefined, b: false, l: [] });
    expect(() => parseCommandFlags("x", ["--n", "abc"], spec)).toThrow(UsageError);
    expect(() => parseCommandFlags("x", ["--s"], spec)).toThrow(/needs a value/);
    expect(() => parseCommandFlags("inspect", ["--tpo", "3"], INSPECT_FLAGS)).toThrow(/--top/);
  });

  test("--feature index:strength", () => {
    expect(parseFeatureFlag("123:8")).toEqual({ index: 123, strength: 8 });
    expect(parseFeatureFlag("4:-2.5")).toEqual({ index: 4, strength: -2.5 });
    expect(parseFeatureFlag("0:1e-3")).toEqual({ index: 0, strength: 0.001 });
    for (const bad of ["52", "a:1", "-1:2", "3:x", ""]) expect(() => parseFeatureFlag(bad)).toThrow(UsageError);
  });

  test("mistakes exit 2 with the message; --help prints the flags", async () => {
    const a = io();
    expect(await main(["steer", "ROMEO:", "--feature", "52"], a)).toBe(2);
    expect(a.errText()).toContain("--feature expects <index>:<strength>");
    const b = io();
    expect(await main(["inspect", "hi", "--tpo", "3"], b)).toBe(2);
    expect(b.errText()).toContain("--top");
    const c = io();
    expect(await main(["inspect", "hi", "--sae", "/nonexistent/sae"], c)).toBe(2);
    expect(c.errText()).toContain("sae train");
    const d = io();
    expect(await main(["serve", "--help"], d)).toBe(0);
    expect(d.outText()).toContain("--token");
    expect(d.outText()).toContain("(default: 8080)");
  });
});
