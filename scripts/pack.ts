// Packs every package into an npm tarball the way `bun publish` would publish it: builds first (scripts/build.ts:
// dist/node, dist/browser, dist/types), then `bun pm pack`, which rewrites `workspace:*` to the real version.
// Publishing: `bun scripts/pack.ts` then `npm publish <tarball>` for each (tensor-core and hub first), or after
// `bun scripts/build.ts`, `bun publish` in each package folder. Usage: bun scripts/pack.ts [--out DIR] [--no-build]
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, packageDirs, readPackage } from "./build.ts";

/** Tarball paths, in dependency order (tensor-core and hub first). */
export async function pack(out: string, withBuild = true): Promise<string[]> {
  if (withBuild) await build([], false);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const order = ["tensor-core", "hub", "transformer", "sae", "train", "server", "cli"];
  const dirs = packageDirs().sort((a, b) => order.indexOf(a.split("/").pop()!) - order.indexOf(b.split("/").pop()!));
  const tarballs: string[] = [];
  for (const dir of dirs) {
    const pkg = readPackage(dir);
    const filename = `${pkg.name.replace("@", "").replace("/", "-")}-${pkg.version}.tgz`;
    const res = Bun.spawnSync(
      [process.execPath, "pm", "pack", "--quiet", "--ignore-scripts", "--filename", join(out, filename)],
      { cwd: dir, stdout: "pipe", stderr: "pipe" },
    );
    if (res.exitCode !== 0) throw new Error(`bun pm pack in ${dir} exited ${res.exitCode}: ${res.stderr.toString()}`);
    tarballs.push(join(out, filename));
  }
  return tarballs;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--out");
  const out = resolve(i >= 0 ? args[i + 1] : join(import.meta.dir, "..", ".cache", "pack"));
  for (const t of await pack(out, !args.includes("--no-build"))) console.log(t);
}
