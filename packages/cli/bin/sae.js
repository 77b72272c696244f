#!/usr/bin/env node
// The `sae` executable (npx sae, bunx sae). Under Bun it runs the TypeScript source; under Node (and Deno) the
// built JavaScript in dist/node (in this workspace: `bun scripts/build.ts --js-only` first, `npm run setup` does it).
const bun = typeof globalThis.Bun !== "undefined";
const entry = new URL(bun ? "../src/index.ts" : "../dist/node/index.js", import.meta.url);
process.env.XDG_RUNTIME_DIR ??= `/tmp/xdg-${process.getuid?.() ?? 0}`;
let mod;
try {
  mod = await import(entry.href);
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/node/index.js")) throw e;
  console.error("sae: @sae/cli is not built (no dist/node/index.js). In the sae workspace run: bun scripts/build.ts");
  process.exit(1);
}
process.exit(await mod.main(process.argv.slice(2)));
