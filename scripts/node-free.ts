// Which built entries must run without Node: every exports subpath of a library package except `./node` (the
// file-system helpers) and workspace-only `{ "bun": ... }` ones (test helpers) is a browser/Deno entry, so its whole
// import graph (relative imports and other @sae/* entries, static and dynamic, type-only ones erased) must not reach
// a `node:` module, a Node built-in by its bare name, or `bun`. Used by scripts/check-layout.ts (CI) and
// scripts/build.ts (browser builds of these entries get no stubs, so a regression fails the build too).
// Not a bundler: third-party packages are not followed (pack-check bundles "." for a browser with no externals).
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..");
/** Each workspace package's name and its folder under packages/ (check-layout.ts orders them). */
export const NAME_TO_DIR = {
  "@sae/tensor-core": "tensor-core",
  "@sae/hub": "hub",
  "@sae/transformer": "transformer",
  "@sae/core": "sae",
  "@sae/train": "train",
  "@sae/server": "server",
  "@sae/cli": "cli",
} as const satisfies Record<string, string>;
/** Node-only apps: their entries may use Node (their browser builds keep the throwing stubs). */
export const NODE_APPS = new Set(["@sae/server", "@sae/cli"]);
/** The subpath of a library package that holds what touches the file system. */
export const NODE_SUBPATH = "./node";
type Exports = Record<string, Record<string, string>>;

function readExports(dir: string): { name: string; exports: Exports } {
  const pkg = JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8"));
  return { name: pkg.name, exports: pkg.exports ?? {} };
}

/** The source file a `@sae/...` specifier names (its `bun` condition), or undefined for a non-workspace package. */
function resolveWorkspace(spec: string): string | undefined {
  const parts = spec.split("/");
  const dir = (NAME_TO_DIR as Record<string, string>)[parts.slice(0, 2).join("/")];
  if (!dir) return undefined;
  const sub = parts.length > 2 ? `./${parts.slice(2).join("/")}` : ".";
  const bun = readExports(dir).exports[sub]?.bun;
  if (!bun) throw new Error(`${spec}: no exports["${sub}"] in packages/${dir}/package.json`);
  return join(ROOT, "packages", dir, bun);
}

/** Runtime import specifiers of a source (static, re-exports, side-effect and dynamic; type-only ones erased). */
export function runtimeSpecifiers(text: string): string[] {
  const code = text.replace(/^\s*\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s*["']([^"']+)["']/gms)) {
    const list = /^\{([^}]*)\}$/s.exec(m[1].trim());
    const names = list ? list[1].split(",").map((n) => n.trim()).filter(Boolean) : null;
    if (names && names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    out.push(m[2]);
  }
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

/** A Node built-in, as `node:x` or by its bare name (`fs`, `fs/promises`). */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]);
}

/** What a browser entry must not reach: a Node built-in or `bun`. */
export function isNodeOnly(spec: string): boolean {
  return spec === "bun" || isNodeBuiltin(spec);
}

/**
 * Import chains from `entry` to a Node-only module (one chain per offending import), as "a.ts -> b.ts -> node:fs".
 * Files in `exempt` (repository-relative) are not followed.
 */
export function nodeReach(entry: string, exempt: string[] = []): string[] {
  const skip = new Set(exempt.map((f) => join(ROOT, f)));
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string, chain: string[]): void => {
    if (seen.has(file) || skip.has(file)) return;
    seen.add(file);
    const here = [...chain, relative(ROOT, file)];
    for (const spec of runtimeSpecifiers(readFileSync(file, "utf8"))) {
      if (isNodeOnly(spec)) found.push([...here, spec].join(" -> "));
      else if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (target.endsWith(".ts") && existsSync(target)) visit(target, here);
      } else if (spec.startsWith("@sae/")) {
        if (spec.endsWith(`/${NODE_SUBPATH.slice(2)}`)) found.push([...here, spec].join(" -> "));
        else {
          const target = resolveWorkspace(spec);
          if (target) visit(target, here);
        }
      }
    }
  };
  visit(entry, []);
  return found;
}

/** The entries (package name, subpath, source file) that must be node-free. */
export function nodeFreeEntries(): { name: string; sub: string; file: string }[] {
  const out: { name: string; sub: string; file: string }[] = [];
  for (const dir of Object.values(NAME_TO_DIR)) {
    const { name, exports } = readExports(dir);
    if (NODE_APPS.has(name)) continue;
    for (const [sub, e] of Object.entries(exports)) {
      if (sub === NODE_SUBPATH || Object.keys(e).join() === "bun") continue;
      out.push({ name, sub, file: join(ROOT, "packages", dir, e.bun) });
    }
  }
  return out;
}

/** One problem line per Node-only import reachable from a node-free entry. */
export function nodeFreeProblems(): string[] {
  return nodeFreeEntries().flatMap(({ name, sub, file }) =>
    nodeReach(file).map((chain) => `${name} exports["${sub}"] reaches Node (move it to ${NODE_SUBPATH}): ${chain}`),
  );
}

if (import.meta.main) {
  const problems = nodeFreeProblems();
  console.log(problems.length ? problems.join("\n") : "node-free entries ok");
}
