// The browser bundle as a web app would build it: scripts/build.ts writes the packages' dist/browser entries (no
// node: import left), then `bun build --target browser` bundles a page script against them (the packages'
// `browser` export condition), with no externals or stubs given.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const BUN = process.execPath;

/** Builds the packages' browser entries, then bundles entry to outDir/page.js; returns the bundle's text. */
export async function browserBundle(entry: string, outDir: string): Promise<string> {
  const run = async (args: string[]) => {
    const p = Bun.spawn([BUN, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    const code = await p.exited;
    if (code !== 0) throw new Error(`bun ${args.join(" ")} exited ${code}: ${out}${err}`);
  };
  await run(["scripts/build.ts", "--js-only", "tensor-core", "hub", "sae", "transformer"]);
  const outfile = join(outDir, "page.js");
  await run(["build", entry, "--target", "browser", "--outfile", outfile]);
  return readFileSync(outfile, "utf8");
}
