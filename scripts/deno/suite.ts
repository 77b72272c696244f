// Which test files scripts/deno-tests.ts runs under Deno: every test file of tensor-core's src/ (kernels, device),
// sae and transformer (their hub and URL loaders against @sae/hub/testing's node:http loopback server), train's GPU
// tests (trainer steps, evaluation, model hooks, the transcoder run; train's other tests are CPU-only) and the hub
// client's tests (CPU only, but the client is what Deno users download through: timeouts, retries, resume, Cache
// Storage), less the files listed in EXCLUDED, each with its reason (the runner prints them). A new test file in
// those folders runs under Deno unless it is listed here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Folders (relative to the repository root) whose *.test.ts files run, and single files. */
const INCLUDED = [
  "packages/tensor-core/src",
  "packages/sae/src",
  "packages/transformer/src",
  "packages/train/src/trainer.test.ts",
  "packages/train/src/trainer_blocks.test.ts",
  "packages/train/src/trainer_resume.test.ts",
  "packages/train/src/trainer_ghost.test.ts",
  "packages/train/src/transcoder_run.test.ts",
  "packages/train/src/model-hooks.test.ts",
  "packages/train/src/eval/evaluate.test.ts",
  "packages/train/src/eval/evaluate_blocked.test.ts",
  "packages/hub/src",
];

const CPU = "CPU only (no WebGPU: nothing for naga to compile; Bun runs it)";

/** Files under INCLUDED that do not run under Deno, and why. */
export const EXCLUDED: Record<string, string> = {
  "packages/hub/src/hub-faults.test.ts": "spawns Bun processes (two downloads of one file at once, the lock)",
  "packages/tensor-core/src/io/safetensors.test.ts": CPU,
  "packages/tensor-core/src/sample_token.test.ts": CPU,
  "packages/sae/src/analysis/feature_file.test.ts": CPU,
  "packages/sae/src/convert/npy.test.ts": CPU,
  "packages/sae/src/convert/registry.test.ts": CPU,
  "packages/sae/src/cpu/reference.test.ts": CPU,
  "packages/sae/src/init.test.ts": CPU,
  "packages/sae/src/interchange.test.ts": "spawns Python (SAELens) with node:child_process",
  "packages/sae/src/torch_pt.test.ts": CPU,
  "packages/transformer/src/model/bundled_sae.test.ts": CPU,
  "packages/transformer/src/tokenizer/gpt2.test.ts": CPU,
  "packages/transformer/src/tokenizer/hf_tokenizer.test.ts": CPU,
};

function testFiles(root: string, rel: string): string[] {
  const p = join(root, rel);
  if (!statSync(p).isDirectory()) return [rel];
  return readdirSync(p)
    .sort()
    .flatMap((e) => (statSync(join(p, e)).isDirectory() ? testFiles(root, `${rel}/${e}`) : [`${rel}/${e}`]))
    .filter((f) => f.endsWith(".test.ts"));
}

/** The files to run and the excluded ones with their reasons, relative to `root`. */
export function suite(root: string): { files: string[]; excluded: [string, string][] } {
  const all = INCLUDED.flatMap((d) => testFiles(root, d));
  const stale = Object.keys(EXCLUDED).filter((f) => !all.includes(f));
  if (stale.length) throw new Error(`scripts/deno/suite.ts excludes files that do not exist: ${stale.join(", ")}`);
  const excluded = all.filter((f) => f in EXCLUDED).map((f): [string, string] => [f, EXCLUDED[f]]);
  return { files: all.filter((f) => !(f in EXCLUDED)), excluded };
}
