// scripts/node-free.ts, the check behind "the main entries import no node: module": on a made-up import graph it
// follows static, re-export, side-effect and dynamic imports, skips type-only ones, and names the chain to each
// Node-only module; on this repository every library package's main entry is clean and each has a ./node subpath.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { nodeFreeEntries, nodeFreeProblems, nodeReach, runtimeSpecifiers } from "../scripts/node-free.ts";

describe("node-free entries", () => {
  test("runtimeSpecifiers: static, re-export, side-effect and dynamic imports; type-only ones erased", () => {
    const src = [
      'import { a } from "./a.ts";',
      'import type { B } from "./b.ts";',
      'import { type C, type D } from "./c.ts";',
      'export { e } from "./e.ts";',
      'export type { F } from "./f.ts";',
      'import "./g.ts";',
      '// import { h } from "node:fs";',
      'const w = await import("webgpu");',
    ].join("\n");
    expect(runtimeSpecifiers(src)).toEqual(["./a.ts", "./e.ts", "./g.ts", "webgpu"]);
  });

  test("nodeReach names the chain to node:, bare built-ins and bun; type-only imports do not count", () => {
    const dir = mkdtempSync(join(tmpdir(), "node-free-"));
    try {
      const files: Record<string, string> = {
        "entry.ts": 'import { x } from "./mid.ts";\nimport type { T } from "./typed.ts";\nexport { x };',
        "mid.ts": 'export { y } from "./leaf.ts";\nexport const x = () => import("./lazy.ts");',
        "leaf.ts": 'import { readFileSync } from "node:fs";\nexport const y = readFileSync;',
        "lazy.ts": 'import { join } from "path";\nimport { $ } from "bun";\nexport { join, $ };',
        "typed.ts": 'import { homedir } from "node:os";\nexport type T = string;',
      };
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
      const base = (chain: string) => chain.split(" -> ").map((p) => p.split("/").pop()).join(" -> ");
      const shown = nodeReach(join(dir, "entry.ts"), []).map(base).sort();
      expect(shown).toEqual([
        "entry.ts -> mid.ts -> lazy.ts -> bun",
        "entry.ts -> mid.ts -> lazy.ts -> path",
        "entry.ts -> mid.ts -> leaf.ts -> node:fs",
      ]);
      // an exempt file is not followed
      const leaf = relative(join(import.meta.dir, ".."), join(dir, "leaf.ts"));
      expect(nodeReach(join(dir, "entry.ts"), [leaf]).map(base).sort()).toEqual(shown.slice(0, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every library package's main entry is node-free and has a ./node subpath", () => {
    expect(nodeFreeProblems()).toEqual([]);
    const entries = nodeFreeEntries().map((e) => `${e.name} ${e.sub}`);
    const want = ["@sae/tensor-core .", "@sae/hub .", "@sae/transformer .", "@sae/core .", "@sae/train ."];
    expect(entries).toEqual(want);
    for (const pkg of ["tensor-core", "hub", "transformer", "sae", "train"]) {
      const exports = require(`../packages/${pkg}/package.json`).exports;
      expect(exports["./node"]?.bun).toBe("./src/node.ts");
      expect(exports["./node"]?.browser).toBeUndefined();
    }
  });
});
