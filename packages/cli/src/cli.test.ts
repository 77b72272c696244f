// `sae train` end to end with tiny settings on the bundled model (files written, JSONL, HTML report), `sae eval`
// on the result, and the error edge: unknown commands/flags exit 2 with a suggestion and no stack.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { captureIO } from "./io_testing.ts";
import { main } from "./main.ts";

const dir = mkdtempSync(join(tmpdir(), "sae-cli-"));
const TINY = ["--context-size", "16", "--store-batch-size-prompts", "4", "--n-batches-in-buffer", "4", "--train-batch-size-tokens", "64", "--training-tokens", "640", "--expansion-factor", "2", "--k", "8", "--eval-holdout-prompts", "8", "--n-eval-batches", "2", "--wandb-log-frequency", "2", "--checkpoint-path", dir, "--run-name", "cli"];

describe("sae CLI", () => {
  test("sae train writes the SAELens checkpoint, sparsity, metrics JSONL and an HTML report; sae eval reads it", async () => {
    const io = captureIO();
    let bar = "";
    io.progress = { isTTY: true, columns: 400, write: (t: string) => (bar += t) };
    const code = await main(["train", ...TINY], io);
    expect(io.stderr).not.toContain("error");
    expect(code).toBe(0);
    // the progress line shows the model's activation rate and the SAE's training rate separately
    expect(bar).toMatch(/ model=\d+(\.\d+)?k?\/s sae=\d+(\.\d+)?k?\/s loss=/);
    expect(bar).not.toContain("model=0/s");
    const ckpt = join(dir, "cli", `final_640`);
    expect(io.stdout).toContain(`checkpoint: ${ckpt}`);
    expect(io.stdout).toMatch(/ce_loss_score\s+-?\d/);
    for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors", "trainer_state.safetensors"]) expect(existsSync(join(ckpt, f))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(ckpt, "cfg.json"), "utf8"));
    expect([cfg.architecture, cfg.d_in, cfg.d_sae, cfg.hook_name]).toEqual(["topk", 128, 256, "blocks.1.hook_resid_pre"]);
    const w = loadSafetensorsFile(join(ckpt, "sae_weights.safetensors")).tensors;
    expect(w.get("W_enc")!.shape).toEqual([128, 256]);
    const sp = loadSafetensorsFile(join(ckpt, "sparsity.safetensors")).tensors.get("sparsity")!;
    expect(sp.shape).toEqual([256]);
    expect(Array.from(sp.data).every((v) => v <= 0 && v >= -10)).toBe(true);
    const lines = readFileSync(join(dir, "cli", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.type === "step");
    expect(steps.map((l) => l.step)).toEqual([2, 4, 6, 8, 10]);
    expect(steps.every((l) => Number.isFinite(l.loss) && l.l0 > 0 && l.l0 <= 8)).toBe(true);
    const ev = lines.find((l) => l.type === "eval" && !l.quick);
    expect(ev.explained_variance).toBeLessThanOrEqual(1);
    const html = readFileSync(join(dir, "cli", "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Feature density");
    expect(html).toContain(ckpt);

    const e = captureIO();
    expect(await main(["eval", ckpt, "--prompts", "8", "--batch-prompts", "4", "--json"], e)).toBe(0);
    const r = JSON.parse(e.stdout);
    // the same held-out prompts as training's final evaluation
    expect(r.tokens).toBe(ev.tokens);
    expect(r.explained_variance).toBeCloseTo(ev.explained_variance, 5);
    expect(r.ce_loss_score).toBeCloseTo(ev.ce_loss_score, 5);
    expect(readdirSync(join(dir, "cli")).some((f) => f.includes(".tmp-"))).toBe(false);
  }, 120_000);

  test("unknown commands and flags exit 2 with a suggestion and no stack", async () => {
    const a = captureIO();
    expect(await main(["trian"], a)).toBe(2);
    expect(a.stderr).toContain("unknown command 'trian' (did you mean 'train'?)");
    const b = captureIO();
    expect(await main(["train", "--l1-coeficient", "1"], b)).toBe(2);
    expect(b.stderr).toBe("error: unknown flag --l1-coeficient (did you mean '--l1-coefficient'?)\n");
    const c = captureIO();
    expect(await main(["eval", join(dir, "nope")], c)).toBe(2);
    expect(c.stderr).toMatch(/^error: .*nope/);
    expect(c.stderr).not.toContain("    at ");
    const d = captureIO();
    expect(await main(["train", "--help"], d)).toBe(0);
    expect(d.stdout).toContain("--l1-coefficient");
  });
});
