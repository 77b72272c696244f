// The GPU test suite under Deno's WebGPU (wgpu, WGSL compiled by naga, which rejects some things Dawn accepts): the
// same test files Bun runs on Dawn, bundled with Bun (WGSL and JSON inlined, `bun:test` replaced by
// deno/bun-test-shim.ts, each source file's import.meta.dir/path/url fixed to where it lives), then each file run as
// its own Deno process with npm's `deno` (navigator.gpu, no flags). Which files: deno/suite.ts (the GPU tests of
// tensor-core, sae, transformer and train's trainer steps; the exclusions and their reasons are printed).
// Prints one line per test, per-file wall and CPU times (CPU: less dependent on the machine's load) and
// "deno: N passed, N failed"; exits 1 on any failure (none run: too).
// Usage: bun scripts/deno-tests.ts [test files...]    (no files: the whole suite)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { suite } from "./deno/suite.ts";

const ROOT = join(import.meta.dir, "..");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const OUT = join(ROOT, ".cache", "deno-tests");
const SHIM = join(import.meta.dir, "deno", "bun-test-shim.ts");

const args = process.argv.slice(2);
let files: string[];
if (args.length) files = args.map((f) => resolve(f));
else {
  const s = suite(ROOT);
  for (const [file, reason] of s.excluded) console.log(`deno: not run: ${file}: ${reason}`);
  files = s.files.map((f) => join(ROOT, f));
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// One entry (and one Deno process) per test file: a panic or a lost device names its file and spares the others.
const name = (f: string) => relative(ROOT, f).replace(/^packages\//, "").replace(/\.test\.ts$/, "").replace(/\W/g, "_");
const entries = files.map((f) => {
  const entry = join(OUT, `${name(f)}.ts`);
  const lines = [
    `import { registered } from ${JSON.stringify(f)};`,
    `import { runAll } from ${JSON.stringify(SHIM)};`,
    `if (!registered) throw new Error("${relative(ROOT, f)} did not load");`,
    "const r = await runAll(console.log);",
    "console.log(`deno file: ${r.passed} passed, ${r.failed} failed`);",
    "Deno.exit(r.failed === 0 && r.passed > 0 ? 0 : 1);",
  ];
  writeFileSync(entry, `${lines.join("\n")}\n`);
  return entry;
});

/** import.meta's location fields of a source file, as literals: the bundle lives elsewhere, the fixtures do not. */
function fixImportMeta(text: string, path: string): string {
  const at: Record<string, string> = {
    dir: dirname(path),
    dirname: dirname(path),
    path,
    filename: path,
    url: pathToFileURL(path).href,
  };
  return text.replace(/\bimport\.meta\.(dirname|dir|filename|path|url)\b/g, (_, k: string) => JSON.stringify(at[k]));
}

const built = await Bun.build({
  entrypoints: entries,
  outdir: OUT,
  root: OUT,
  target: "node",
  format: "esm",
  conditions: ["bun"], // the workspace packages' sources (their `bun` export), as `bun test` reads them
  external: ["webgpu"],
  plugins: [
    {
      name: "bun-test-shim",
      setup(b) {
        b.onResolve({ filter: /^bun:test$/ }, () => ({ path: SHIM }));
        b.onLoad({ filter: /\.ts$/ }, (a) => {
          let text = readFileSync(a.path, "utf8");
          if (!a.path.includes("/node_modules/")) text = fixImportMeta(text, a.path);
          // The packages say sideEffects: false, so a bare `import "x.test.ts"` would be dropped: each test file
          // exports a marker the entry uses.
          if (a.path.endsWith(".test.ts")) text += "\nexport const registered = true;\n";
          return { contents: text, loader: "ts" };
        });
      },
    },
  ],
});
if (!built.success) {
  for (const m of built.logs) console.error(m);
  process.exit(1);
}
let [passed, failed] = [0, 0];
const failedFiles: string[] = [];
const times: string[] = [];
let cpuTotal = 0;
const outputs = built.outputs.map((o) => o.path);
const t0 = performance.now();
for (const [i, entry] of entries.entries()) {
  const js = outputs.find((o) => o === entry.replace(/\.ts$/, ".js"));
  if (!js) throw new Error(`bun build wrote no ${entry.replace(/\.ts$/, ".js")} (wrote ${outputs.join(", ")})`);
  const t1 = performance.now();
  const p = Bun.spawn([DENO, "run", "-A", "--no-prompt", js], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" },
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  process.stdout.write(out);
  const m = /deno file: (\d+) passed, (\d+) failed/.exec(out);
  passed += m ? Number(m[1]) : 0;
  failed += m ? Number(m[2]) : 0;
  if (code !== 0 || !m || m[1] === "0") {
    failedFiles.push(relative(ROOT, files[i]));
    if (!m || m[2] === "0") failed++; // a crash, or a file with no test counts as one failure
    process.stdout.write(err.slice(-3000));
  }
  const cpu = Number(p.resourceUsage()?.cpuTime.total ?? 0) / 1e6; // seconds of CPU (user + system, all threads)
  cpuTotal += cpu;
  times.push(`${((performance.now() - t1) / 1000).toFixed(1)} s (cpu ${cpu.toFixed(1)} s) ${relative(ROOT, files[i])}`);
}
console.log(`deno: time per file:\n  ${times.join("\n  ")}`);
const version = Bun.spawnSync([DENO, "--version"]).stdout.toString().split("\n")[0];
const where = failedFiles.length ? ` (in ${failedFiles.join(", ")})` : "";
const secs = ((performance.now() - t0) / 1000).toFixed(0);
const run = `${files.length} files in ${secs} s (cpu ${cpuTotal.toFixed(0)} s)`;
console.log(`deno (${version}): ${run}, ${passed} passed, ${failed} failed${where}`);
console.log(`deno: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
