// Fails when a package imports upward or sideways in the dependency order, when a source file passes
// 500 lines, when a package reaches for what only one package may touch (GPUDevice, hono, process.argv), or when
// a kernel lives outside packages/tensor-core/src: a .wgsl file, a `device.run(` dispatch or an inline `@compute`
// shader anywhere else in packages/, bench/, test/ or scripts/ (tests excepted).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
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
    if (e === "node_modules" || e.startsWith(".")) continue;
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|wgsl)$/.test(e)) out.push(p);
  }
  return out;
}

const problems: string[] = [];
const root = join(import.meta.dir, "..");
const KERNEL_HOME = join(root, "packages", "tensor-core", "src");
// a dispatch through the tensor core's Device (`device.run(`, `x.device.run(`, `anything.run(kernel, { buffers`)
// or an inline shader
const DISPATCH = [/\b(?:device|dev)\s*\.\s*run\s*\(/, /\.run\(\s*[\w.]+\s*,\s*\{[^}]*\bbuffers\s*:/, /@compute\b/];

/** Kernels (WGSL files, dispatches) belong in packages/tensor-core/src; tests may dispatch to check ops. */
function checkKernelHome(f: string, text: string): void {
  if (f.startsWith(KERNEL_HOME + "/")) return;
  const rel = relative(root, f);
  if (f.endsWith(".wgsl")) problems.push(`${rel}: WGSL kernels live in packages/tensor-core/src/ops (with a CPU reference and a test)`);
  else if (!f.endsWith(".test.ts") && DISPATCH.some((re) => re.test(text.replace(/^\s*\/\/.*$/gm, "")))) {
    problems.push(`${rel}: dispatches a kernel (device.run / @compute); kernels live in packages/tensor-core/src/ops`);
  }
}
for (const dir of ["packages", "bench", "test", "scripts"]) {
  const d = join(root, dir);
  if (!existsSync(d)) continue;
  for (const f of files(d)) if (f !== import.meta.path) checkKernelHome(f, readFileSync(f, "utf8"));
}
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
console.log("layout check: dependency order, file lengths and kernel placement ok");
