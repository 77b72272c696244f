// Regenerates the SAE trained on the bundled model (assets/tiny-shakespeare/sae: cfg.json, sae_weights.safetensors,
// sparsity.safetensors; see its SOURCE.md): `sae train` on the bundled Tiny Shakespeare corpus with a fixed seed and
// the flags below, then copies the final checkpoint's SAELens files there and prints the final evaluation.
// The demo page (demo/) loads it by default. Usage: bun packages/transformer/scripts/train_sae.ts
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..", "..");
const DEST = join(import.meta.dir, "..", "assets", "tiny-shakespeare", "sae");
const FLAGS = Object.entries({
  "model-name": "tiny-shakespeare",
  "dataset-path": "bundled:tiny-shakespeare",
  "hook-name": "blocks.1.hook_resid_pre",
  architecture: "topk",
  "d-sae": "512",
  k: "16",
  "training-tokens": "800000",
  lr: "0.001",
  seed: "0",
  "html-report": "false",
}).flatMap(([k, v]) => (v === "false" ? [`--no-${k}`] : [`--${k}`, v]));

const tmp = mkdtempSync(join(tmpdir(), "sae-bundled-"));
try {
  const args = ["packages/cli/src/main.ts", "train", ...FLAGS, "--checkpoint-path", tmp, "--run-name", "run"];
  const p = Bun.spawn([process.execPath, ...args], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error(`sae train exited ${p.exitCode}`);
  const final = readdirSync(join(tmp, "run")).find((d) => d.startsWith("final_"));
  if (!final) throw new Error(`sae train wrote no final checkpoint in ${join(tmp, "run")}`);
  for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) {
    copyFileSync(join(tmp, "run", final, f), join(DEST, f));
  }
  const metrics = readFileSync(join(tmp, "run", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const { density_histogram: _, ...last } = metrics.filter((m) => m.type === "eval" && !m.quick).at(-1);
  console.log(`wrote ${DEST} from ${final}; final evaluation: ${JSON.stringify(last)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
