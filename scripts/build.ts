// Builds every package in packages/ to what npm consumers load: ESM JavaScript for Node/Deno (dist/node), the same
// for browser bundlers with no `node:` import (dist/browser), and `.d.ts` declarations (dist/types). WGSL and HTML
// (`with { type: "text" }`) and JSON imports are inlined by Bun's bundler. The entry points are read from each
// package.json's `exports`: every subpath names its source under the `bun` condition (Bun, and this workspace, run
// the TypeScript source) and the built files under `types`, `browser`, `import` and `default`; this script checks that
// shape. The `./node` subpath of a library package (its file-system helpers) is built for Node/Deno only: no
// `browser` condition, `default` is the Node build. Every other entry of a library package is built for browsers
// with no stubs, so a `node:` import there fails the build (scripts/node-free.ts, run by check-layout, names the
// import chain); only the node-only apps (server, cli) get `node:` built-ins stubbed with modules that throw when
// called. A subpath with only a `bun` condition (test helpers such as `@sae/core/testing`, which read the repository's
// fixtures) is for this workspace: not built, and not exported to Node, Deno or browsers. Not a publisher:
// scripts/pack.ts packs.
// Usage: bun scripts/build.ts [--js-only] [package-dir-name ...]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { BunPlugin } from "bun";
import { isNodeBuiltin, isNodeOnly, NODE_APPS, NODE_SUBPATH } from "./node-free.ts";

const ROOT = join(import.meta.dir, "..");
const PACKAGES = join(ROOT, "packages");

export interface ExportEntry {
  bun: string;
  types: string;
  browser?: string;
  import: string;
  default: string;
}
export interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, ExportEntry | { bun: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: Record<string, string>;
}

/** The exports entry every subpath must have, derived from its source file (`./src/<path>.ts`); `./node` has no
 * browser build. */
export function exportEntry(src: string, sub = "."): ExportEntry {
  const m = /^\.\/src\/(.+)\.ts$/.exec(src);
  if (!m) throw new Error(`exports source ${src} must be ./src/<path>.ts`);
  const p = m[1];
  if (sub === NODE_SUBPATH) {
    return { bun: src, types: `./dist/types/${p}.d.ts`, import: `./dist/node/${p}.js`, default: `./dist/node/${p}.js` };
  }
  return {
    bun: src,
    types: `./dist/types/${p}.d.ts`,
    browser: `./dist/browser/${p}.js`,
    import: `./dist/node/${p}.js`,
    default: `./dist/browser/${p}.js`,
  };
}

/** What every published package.json must say (checked before building, so pack-check fails on a dropped field). */
function checkManifest(dir: string, pkg: PackageJson & Record<string, unknown>): void {
  const repo = pkg.repository as { directory?: string } | undefined;
  const problems = [
    !/^\d+\.\d+\.\d+/.test(pkg.version ?? "") && "a version",
    pkg.license !== "MIT" && 'license "MIT"',
    !existsSync(join(dir, "LICENSE")) && "a LICENSE file",
    repo?.directory !== relative(ROOT, dir) && `repository.directory "${relative(ROOT, dir)}"`,
    pkg.sideEffects !== false && "sideEffects: false",
    !(pkg.files as string[] | undefined)?.includes("dist") && 'files with "dist"',
    pkg.type !== "module" && 'type "module"',
    pkg.dependencies?.webgpu && "webgpu as an optional peer dependency, not a dependency",
    !pkg.exports?.["."] && 'an exports["."]',
  ].filter(Boolean);
  if (problems.length) throw new Error(`${relative(ROOT, dir)}/package.json needs ${problems.join(", ")}`);
}

export function readPackage(dir: string): PackageJson {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  checkManifest(dir, pkg as PackageJson & Record<string, unknown>);
  for (const [sub, e] of Object.entries(pkg.exports ?? {})) {
    if (Object.keys(e).join() === "bun") continue; // workspace-only (Bun) subpath
    const want = exportEntry((e as ExportEntry).bun ?? String(e), sub);
    if (JSON.stringify(e) !== JSON.stringify(want)) {
      throw new Error(`${pkg.name} exports["${sub}"] must be ${JSON.stringify(want)} (got ${JSON.stringify(e)})`);
    }
  }
  return pkg;
}

/** The subpaths that are built (every one but the workspace-only `{ "bun": ... }` ones); for browsers, those with a
 * `browser` condition. */
export function builtEntries(pkg: PackageJson, target: "node" | "browser" = "node"): ExportEntry[] {
  const built = (e: object): e is ExportEntry => "types" in e && (target === "node" || "browser" in e);
  return Object.values(pkg.exports).filter(built);
}

export function packageDirs(): string[] {
  return readdirSync(PACKAGES)
    .map((d) => join(PACKAGES, d))
    .filter((d) => existsSync(join(d, "package.json")));
}

/** Packages only Node/Bun use, imported lazily (`await import(...)`) where they are needed: in browser builds each is
 * a module that throws when loaded, so bundlers need no `--external` for them. */
const NODE_ONLY_PACKAGES: Record<string, string> = {
  webgpu: "this JavaScript runtime has no navigator.gpu (WebGPU); use a browser with WebGPU",
  "@hono/node-server": "@hono/node-server (the Node listener) is not available in a browser build of @sae/server",
};

/** Browser builds: the NODE_ONLY_PACKAGES become modules that throw when loaded. */
const nodeOnlyPackages: BunPlugin = {
  name: "node-only-packages",
  setup(build) {
    const nodeOnly = new RegExp(`^(${Object.keys(NODE_ONLY_PACKAGES).join("|").replace(/[/.]/g, "\\$&")})$`);
    build.onResolve({ filter: nodeOnly }, (args) => ({ path: args.path, namespace: "node-only" }));
    build.onLoad({ filter: /.*/, namespace: "node-only" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(NODE_ONLY_PACKAGES[args.path])});`,
      loader: "js",
    }));
  },
};

/** Browser builds of the node-only apps (NODE_APPS): `node:fs` etc. become modules whose every export throws "not
 * available in this runtime" when used. Library packages never get these (their browser entries are node-free). */
const nodeStubs: BunPlugin = {
  name: "node-builtins-unavailable",
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!isNodeBuiltin(args.path)) return undefined;
      return { path: args.path.replace(/^node:/, ""), namespace: "node-stub" };
    });
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, async (args) => {
      const real = (await import(`node:${args.path}`)) as Record<string, unknown>;
      const names = Object.keys(real).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== "default");
      const lines = [
        `const fail = (n) => { throw new Error("node:${args.path} " + n + " is not available in this runtime ` +
          `(the browser build of @sae/*): load over fetch (Sae.fromUrl, loadModelFromUrl, ` +
          `readSafetensors)"); };`,
        `const stub = (n) => new Proxy(function () {}, { apply: () => fail(n), construct: () => fail(n), ` +
          `get: (_t, k) => (k === "then" ? undefined : stub(n + "." + String(k))) });`,
        ...names.map((n) => `export const ${n} = stub(${JSON.stringify(n)});`),
        `export default stub("default");`,
      ];
      return { contents: lines.join("\n"), loader: "js" };
    });
  },
};

/** Browser builds of library packages: a Node built-in or `bun` import fails the build, naming the importing file. */
const refuseNode: BunPlugin = {
  name: "refuse-node-builtins",
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!isNodeOnly(args.path)) return undefined;
      const who = relative(ROOT, args.importer);
      throw new Error(`${who} imports ${args.path}: a browser entry must not (move it to ./node)`);
    });
  },
};

/** Browser plugins for a package: stubs for the node-only apps, otherwise a Node built-in fails the build. */
function browserPlugins(pkg: PackageJson): BunPlugin[] {
  return [nodeOnlyPackages, NODE_APPS.has(pkg.name) ? nodeStubs : refuseNode];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

async function buildJs(dir: string, pkg: PackageJson): Promise<void> {
  for (const target of ["node", "browser"] as const) {
    const entrypoints = builtEntries(pkg, target).map((e) => join(dir, e.bun));
    const outdir = join(dir, "dist", target);
    const res = await Bun.build({
      entrypoints,
      outdir,
      root: join(dir, "src"),
      target,
      format: "esm",
      splitting: true,
      packages: "external",
      naming: { entry: "[dir]/[name].[ext]", chunk: "_chunks/[name]-[hash].[ext]" },
      plugins: target === "node" ? [] : browserPlugins(pkg),
    });
    if (!res.success) throw new AggregateError(res.logs, `${pkg.name}: bun build --target ${target} failed`);
    const nodeImport = /from\s*"node:|import\("node:/;
    const leaks = walk(outdir).filter((f) => f.endsWith(".js") && nodeImport.test(readFileSync(f, "utf8")));
    if (target === "browser" && leaks.length) throw new Error(`${pkg.name}: node: import left in ${leaks.join(", ")}`);
    if (target === "node") checkDeclared(pkg, outdir);
  }
}

/** Every package the built code imports must be a dependency or peer (npm consumers get no workspace hoisting). */
function checkDeclared(pkg: PackageJson, outdir: string): void {
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const missing = new Set<string>();
  for (const f of walk(outdir).filter((f) => f.endsWith(".js"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:from\s*|import\(\s*)"([^".][^"]*)"/g)) {
      if (isNodeBuiltin(m[1])) continue;
      const name = m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0];
      if (name !== pkg.name && !declared.has(name)) missing.add(name);
    }
  }
  const names = [...missing].join(", ");
  if (missing.size) throw new Error(`${pkg.name} imports ${names}: add to its package.json dependencies`);
}

/** One tsc run over every package (declarations only), then each chosen package's share moves to its dist/types. */
function buildTypes(dirs: string[]): void {
  const out = join(ROOT, ".cache", "dts");
  rmSync(out, { recursive: true, force: true });
  const tsconfig = join(ROOT, ".cache", "tsconfig.dts.json");
  mkdirSync(dirname(tsconfig), { recursive: true });
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: "../tsconfig.base.json",
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        outDir: "./dts",
        rootDir: "../packages",
      },
      include: ["../packages/*/src/**/*.ts"], // every package: their sources import each other's (and wgsl.d.ts)
      // tests and the test helpers that only tests import (package.json `files` leaves their sources out too)
      exclude: ["*.test.ts", "*test_fixtures.ts", "*_testing.ts"].map((p) => `../packages/*/src/**/${p}`),
    }),
  );
  const tsc = Bun.spawnSync([process.execPath, join(ROOT, "node_modules/typescript/bin/tsc"), "-p", tsconfig], {
    stdout: "inherit",
    stderr: "inherit",
  });
  if (tsc.exitCode !== 0) throw new Error(`tsc (declarations) exited ${tsc.exitCode}`);
  for (const dir of dirs) {
    const pkg = readPackage(dir);
    // Public types name GPUDevice, GPUBuffer...: a package that depends on @webgpu/types references it from each
    // entry's .d.ts, so TypeScript consumers need no `types` setting of their own.
    const gpuTypes = pkg.dependencies?.["@webgpu/types"] ? '/// <reference types="@webgpu/types" />\n' : "";
    const entries = new Set(builtEntries(pkg).map((e) => e.types.replace("./dist/types/", "")));
    const from = join(out, relative(PACKAGES, dir), "src");
    const to = join(dir, "dist", "types");
    rmSync(to, { recursive: true, force: true });
    for (const f of walk(from)) {
      const text = readFileSync(f, "utf8").replace(
        /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+?)\.ts\2/g,
        (_m, pre: string, q: string, p: string) => `${pre}${q}${p}.js${q}`,
      );
      const dest = join(to, relative(from, f));
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, entries.has(relative(from, f)) ? gpuTypes + text : text);
    }
  }
}

export async function build(names: string[], jsOnly: boolean): Promise<string[]> {
  const dirs = packageDirs().filter((d) => names.length === 0 || names.includes(d.split("/").pop()!));
  for (const dir of dirs) {
    const pkg = readPackage(dir);
    rmSync(join(dir, "dist"), { recursive: true, force: true });
    await buildJs(dir, pkg);
  }
  if (!jsOnly) buildTypes(dirs);
  return dirs;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const t0 = performance.now();
  const dirs = await build(args.filter((a) => !a.startsWith("--")), args.includes("--js-only"));
  const what = args.includes("--js-only") ? "JS" : "JS + .d.ts";
  console.log(`build: ${dirs.length} packages (${what}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
