// Fails when a package imports upward or sideways in the dependency order, when a source file passes
// 500 lines, or when a package reaches for what only one package may touch (GPUDevice, hono, process.argv).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const LEVEL = { "tensor-core": 0, transformer: 1, sae: 1, train: 2, server: 2, cli: 3 } as const;
type Pkg = keyof typeof LEVEL;
const NAME: Record<string, Pkg> = {
  "@sae/tensor-core": "tensor-core",
  "@sae/transformer": "transformer",
  "@sae/core": "sae",
  "@sae/train": "train",
  "@sae/server": "server",
  "@sae/cli": "cli",
};
const ALLOWED: Record<Pkg, Pkg[]> = {
  "tensor-core": [],
  transformer: ["tensor-core"],
  sae: ["tensor-core"],
  train: ["tensor-core", "transformer", "sae"],
  server: ["tensor-core", "transformer", "sae", "train"],
  cli: ["tensor-core", "transformer", "sae", "train", "server"],
};
const MAX_LINES = 500;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|wgsl)$/.test(e)) out.push(p);
  }
  return out;
}

const problems: string[] = [];
const root = join(import.meta.dir, "..");
for (const pkg of Object.keys(LEVEL) as Pkg[]) {
  const src = join(root, "packages", pkg, "src");
  for (const f of files(src)) {
    const rel = relative(root, f);
    const text = readFileSync(f, "utf8");
    const lines = text.split("\n").length;
    if (lines > MAX_LINES) problems.push(`${rel}: ${lines} lines (max ${MAX_LINES})`);
    if (!f.endsWith(".ts")) continue;
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1];
      if (spec.startsWith("@sae/")) {
        const target = NAME[spec.split("/").slice(0, 2).join("/")];
        if (target && target !== pkg && !ALLOWED[pkg].includes(target)) problems.push(`${rel}: imports ${spec} (${pkg} may import only ${ALLOWED[pkg].join(", ") || "nothing"})`);
      } else if (spec.startsWith(".")) {
        const abs = join(f, "..", spec);
        if (!abs.startsWith(join(root, "packages", pkg))) problems.push(`${rel}: relative import ${spec} leaves the package`);
      } else if (spec === "hono" || spec.startsWith("hono/")) {
        if (pkg !== "server") problems.push(`${rel}: only packages/server imports hono`);
      }
    }
    const isTest = f.endsWith(".test.ts");
    if (pkg !== "tensor-core" && !isTest && /\bGPUDevice\b/.test(text)) problems.push(`${rel}: only tensor-core touches GPUDevice`);
    if (pkg !== "cli" && !isTest && /process\.argv/.test(text)) problems.push(`${rel}: only cli reads process.argv`);
  }
}
if (problems.length) {
  console.error(`layout check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("layout check: dependency order and file lengths ok");
