// Every kernel's tests under Deno's WebGPU (wgpu, WGSL compiled by naga, which rejects some things Dawn accepts):
// bundles tensor-core's src/ops/*.test.ts (or the files given) with Bun, WGSL inlined and `bun:test` replaced by
// deno/bun-test-shim.ts, then runs the bundle with npm's `deno` (navigator.gpu, no flags). The tests are the same
// ones Bun runs on Dawn: each kernel against the CPU reference on awkward sizes, outputs poisoned first.
// Prints one line per test and "deno kernels: N passed, N failed"; exits 1 on any failure (none found: fails too).
// Usage: bun packages/tensor-core/scripts/deno-kernels.ts [test files...]
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

const PKG = join(import.meta.dir, "..");
const ROOT = join(PKG, "..", "..");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const OUT = join(PKG, ".cache", "deno-kernels");

const args = process.argv.slice(2);
const files = args.length
  ? args.map((f) => resolve(f))
  : readdirSync(join(PKG, "src", "ops"))
      .filter((f) => f.endsWith(".test.ts"))
      .sort()
      .map((f) => join(PKG, "src", "ops", f));
mkdirSync(OUT, { recursive: true });
// One entry (and one Deno process) per test file: a panic or a lost device names its file and spares the others.
const entries = files.map((f, i) => {
  const entry = join(OUT, `${i}-${basename(f, ".test.ts")}.ts`);
  const lines = [
    `import { registered } from ${JSON.stringify(f)};`,
    `import { runAll } from ${JSON.stringify(join(import.meta.dir, "deno", "bun-test-shim.ts"))};`,
    `if (!registered) throw new Error("${basename(f)} did not load");`,
    "const r = await runAll(console.log);",
    "console.log(`deno kernels: ${r.passed} passed, ${r.failed} failed`);",
    "Deno.exit(r.failed === 0 && r.passed > 0 ? 0 : 1);",
  ];
  writeFileSync(entry, `${lines.join("\n")}\n`);
  return entry;
});
const shim = join(import.meta.dir, "deno", "bun-test-shim.ts");
const built = await Bun.build({
  entrypoints: entries,
  outdir: OUT,
  target: "node",
  format: "esm",
  external: ["webgpu"],
  plugins: [
    {
      name: "bun-test-shim",
      setup(b) {
        b.onResolve({ filter: /^bun:test$/ }, () => ({ path: shim }));
        // The package says sideEffects: false, so a bare `import "x.test.ts"` would be dropped: each test file
        // exports a marker the entry uses.
        b.onLoad({ filter: /\.test\.ts$/ }, async (a) => ({
          contents: `${await Bun.file(a.path).text()}\nexport const registered = true;\n`,
          loader: "ts",
        }));
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
const outputs = built.outputs.map((o) => o.path);
for (const entry of entries) {
  const js = outputs.find((o) => basename(o) === `${basename(entry, ".ts")}.js`);
  if (!js) throw new Error(`bun build wrote no ${basename(entry, ".ts")}.js (wrote ${outputs.join(", ")})`);
  const p = Bun.spawn([DENO, "run", "-A", "--no-prompt", js], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" },
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  process.stdout.write(out);
  const m = /deno kernels: (\d+) passed, (\d+) failed/.exec(out);
  passed += m ? Number(m[1]) : 0;
  failed += m ? Number(m[2]) : 0;
  if (code !== 0 || !m || m[1] === "0") {
    failedFiles.push(basename(js));
    if (!m || m[2] === "0") failed++; // a crash, or a file with no test counts as one failure
    process.stdout.write(err.slice(-3000));
  }
}
const version = Bun.spawnSync([DENO, "--version"]).stdout.toString().split("\n")[0];
const where = failedFiles.length ? ` (in ${failedFiles.join(", ")})` : "";
console.log(`deno kernels (${version}): ${files.length} files, ${passed} passed, ${failed} failed${where}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
