// Fails when a package imports upward or sideways in the dependency order, when test helpers leak into a package's
// main surface (index.ts re-exporting them, non-test code importing a /testing subpath), when a source file passes
// 500 lines, when a package reaches for what only one package may touch (GPUDevice, hono, process.argv), when
// tensor-core or hub draws terminal progress (ProgressBar, isTTY: the hub client reports through onProgress), or when
// a kernel lives outside packages/tensor-core/src: a .wgsl file, a `device.run(` dispatch or an inline `@compute`
// shader anywhere else in packages/, bench/, test/, demo/ or scripts/ (tests excepted), or when a package's source
// files import each other in a cycle (runtime imports only: `import type` / `export type` and all-`type` lists are
// erased), or when a library package's browser entry ("." and any subpath but ./node) reaches a `node:` module or `bun`
// (scripts/node-free.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { NAME_TO_DIR, nodeFreeProblems } from "./node-free.ts";

const LEVEL = { "tensor-core": 0, hub: 0, transformer: 1, sae: 1, train: 2, server: 2, cli: 3 } as const;
type Pkg = keyof typeof LEVEL;
const NAME: Record<string, Pkg> = NAME_TO_DIR;
const ALLOWED: Record<Pkg, Pkg[]> = {
  "tensor-core": [],
  hub: [],
  transformer: ["tensor-core", "hub"],
  sae: ["tensor-core", "hub"],
  train: ["tensor-core", "hub", "transformer", "sae"],
  server: ["tensor-core", "hub", "transformer", "sae", "train"],
  cli: ["tensor-core", "hub", "transformer", "sae", "train", "server"],
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
for (const dir of ["packages", "bench", "test", "scripts", "demo"]) {
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
    checkTesting(f, rel, text, isTest);
    if (pkg !== "tensor-core" && !isTest && /\bGPUDevice\b/.test(text)) problems.push(`${rel}: only tensor-core touches GPUDevice`);
    if (pkg !== "cli" && !isTest && /process\.argv/.test(text)) problems.push(`${rel}: only cli reads process.argv`);
    if ((pkg === "tensor-core" || pkg === "hub") && /\bProgressBar\b|\.isTTY\b/.test(text)) {
      problems.push(`${rel}: ${pkg} draws no terminal progress (report through onProgress; bars: @sae/train)`);
    }
  }
}
/**
 * Test helpers stay off the main surface: a package's `/testing` subpath (`@sae/<pkg>/testing`: fakes, fixture
 * readers, assertClose, the CPU reference `cpu.*`) is imported only by tests and other helpers (testing.ts,
 * *_testing.ts, *test_fixtures.ts, fakes.ts), and no index.ts re-exports a helper file.
 */
function checkTesting(f: string, rel: string, text: string, isTest: boolean): void {
  const helper = /(^|\/|_)testing\.ts$|test_fixtures\.ts$|\/fakes\.ts$|saelens_fixtures\.ts$/.test(f);
  if (!isTest && !helper && /from\s*["']@sae\/[\w-]+\/testing["']/.test(text)) {
    problems.push(`${rel}: imports a /testing subpath (test helpers are for tests only)`);
  }
  if (f.endsWith("/src/index.ts")) {
    for (const m of text.matchAll(/from\s*["'](\.[^"']*(?:testing|fakes|test_fixtures|\/cpu\/index)(?:\.ts)?)["']/g)) {
      problems.push(`${rel}: exports ${m[1]} (test helpers belong in the package's /testing subpath)`);
    }
  }
}

/** Relative runtime imports of a source file (type-only import / export lists are erased, so they do not count). */
function runtimeImports(f: string, text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/^\s*\/\/.*$/gm, "");
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s*["'](\.[^"']+)["']/gms)) {
    const list = /^\{([^}]*)\}$/s.exec(m[1].trim());
    const names = list ? list[1].split(",").map((n) => n.trim()).filter(Boolean) : null;
    if (names && names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    out.push(resolve(dirname(f), m[2]));
  }
  for (const m of code.matchAll(/^\s*import\s*["'](\.[^"']+)["']/gm)) out.push(resolve(dirname(f), m[1]));
  return out;
}

/** Import cycles among a package's non-test source files, each as the list of files around it. */
function importCycles(srcFiles: string[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const f of srcFiles) if (f.endsWith(".ts") && !f.endsWith(".test.ts")) graph.set(f, []);
  for (const f of graph.keys()) graph.set(f, runtimeImports(f, readFileSync(f, "utf8")).filter((d) => graph.has(d)));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}
for (const pkg of Object.keys(LEVEL) as Pkg[]) {
  for (const c of importCycles(files(join(root, "packages", pkg, "src")))) {
    problems.push(`runtime import cycle: ${c.map((f) => relative(root, f)).join(" -> ")} (break it, or use import type)`);
  }
}
problems.push(...nodeFreeProblems());
if (problems.length) {
  console.error(`layout check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("layout check: dependency order, file lengths, kernel placement, import cycles and node-free entries ok");
