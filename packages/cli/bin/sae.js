#!/usr/bin/env node
// The `sae` executable (npx sae, bunx sae). Under Bun it runs the TypeScript source; under Node (and Deno) the
// built JavaScript in dist/node (in this workspace: `bun scripts/build.ts --js-only` first, `npm run setup` does it;
// a dist/ older than the sources gets a warning).
import { existsSync, readdirSync, statSync } from "node:fs";

const bun = typeof globalThis.Bun !== "undefined";
const entry = new URL(bun ? "../src/index.ts" : "../dist/node/index.js", import.meta.url);
process.env.XDG_RUNTIME_DIR ??= `/tmp/xdg-${process.getuid?.() ?? 0}`;

/** Newest modification time (ms) of the files under a directory. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const packages = new URL("../../", import.meta.url).pathname;
if (!bun && existsSync(`${packages}../bun.lock`) && existsSync(entry)) {
  const stale = readdirSync(packages).filter((p) => {
    const dist = `${packages}${p}/dist/node`;
    return existsSync(dist) && newest(`${packages}${p}/src`) > newest(dist);
  });
  if (stale.length) {
    console.error(`sae: warning: dist/ of ${stale.join(", ")} is older than src/; run: bun scripts/build.ts --js-only`);
  }
}
let mod;
try {
  mod = await import(entry.href);
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/node/index.js")) throw e;
  console.error("sae: @sae/cli is not built (no dist/node/index.js). In the sae workspace run: bun scripts/build.ts");
  process.exit(1);
}
process.exit(await mod.main(process.argv.slice(2)));
