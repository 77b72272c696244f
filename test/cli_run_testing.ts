// What the training-run fault suites share (test/reliability-train.test.ts, test/reliability-runlock.test.ts): the
// CLI as a child process (the bun binary running the test) with tiny training settings on the bundled model, and
// metrics.jsonl's step records.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "packages/cli/src/main.ts");
/** `sae train` flags for a run of a few seconds: 16-token contexts, batches of 64 tokens, d_sae 2 x d_in, k 8. */
export const TINY = [
  ...["--context-size", "16", "--store-batch-size-prompts", "4", "--n-batches-in-buffer", "4"],
  ...["--train-batch-size-tokens", "64", "--expansion-factor", "2", "--k", "8", "--eval-holdout-prompts", "8"],
  ...["--n-eval-batches", "1", "--wandb-log-frequency", "2"],
];
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp/xdg-test" };

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `sae <args>` started as a child process. */
export function start(args: string[]) {
  return Bun.spawn({ cmd: [process.execPath, MAIN, ...args], cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
}

/** Its exit code and output once it has ended. */
export async function finish(p: ReturnType<typeof start>): Promise<Ran> {
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}

/** metrics.jsonl's step records; every line must parse (an interleaved write would not). */
export const steps = (runDir: string) =>
  readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === "step")
    // the device's peak bytes depend on the process's history (a resumed process allocates differently), not the run
    .map(({ peak_device_bytes: _peak, ...r }) => r);
