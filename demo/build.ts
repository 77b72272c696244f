// Builds the static demo page (demo/index.html + demo.ts) into a folder that any static file server can serve: the
// packages' browser entries (scripts/build.ts), demo.js bundled with `bun build --target browser`, the bundled
// model's files under model/ and an SAELens-layout SAE folder under sae/: by default the SAE trained on the bundled
// model (packages/transformer/assets/tiny-shakespeare/sae, written by packages/transformer/scripts/train_sae.ts),
// or the folder given with --sae.
// Usage: bun demo/build.ts [--out <dir>] [--sae <folder>]    (default out: demo/dist; `npm run demo` runs this)
// Then serve <dir>, e.g. python3 -m http.server -d demo/dist, and open http://localhost:8000/
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundledModelDir, bundledSaeDir } from "@sae/transformer/node";

const ROOT = join(import.meta.dir, "..");
const { values } = parseArgs({ options: { out: { type: "string" }, sae: { type: "string" } } });
const out = resolve(values.out ?? join(import.meta.dir, "dist"));
const saeDir = resolve(values.sae ?? bundledSaeDir());

async function bun(args: string[]): Promise<void> {
  const p = Bun.spawn([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [o, e] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) throw new Error(`bun ${args.join(" ")} failed: ${o}${e}`);
}

for (const f of ["cfg.json", "sae_weights.safetensors"]) {
  if (!existsSync(join(saeDir, f))) throw new Error(`${saeDir}: no ${f} (an SAE folder in the SAELens layout)`);
}
await bun(["scripts/build.ts", "--js-only", "tensor-core", "hub", "sae", "transformer"]);
await bun(["build", join(import.meta.dir, "demo.ts"), "--target", "browser", "--outfile", join(out, "demo.js")]);
copyFileSync(join(import.meta.dir, "index.html"), join(out, "index.html"));
mkdirSync(join(out, "model"), { recursive: true });
for (const f of ["config.json", "model.safetensors", "vocab.json", "merges.txt"]) {
  copyFileSync(join(bundledModelDir(), f), join(out, "model", f));
}
mkdirSync(join(out, "sae"), { recursive: true });
for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) {
  if (existsSync(join(saeDir, f))) copyFileSync(join(saeDir, f), join(out, "sae", f));
}
console.log(`demo: built ${out} (SAE from ${saeDir})`);
