// `--sae bundled` (and `bundled` as eval's and analyze's SAE argument) through the real CLI entry: the SAE trained on
// the bundled model gives the same output as the same command on its folder (bundledSaeDir) and as the library on
// that folder loaded directly; `sae serve --sae bundled` (a subprocess) answers /v1/encode with the library's
// features; analyze writes ./feature-data, never into the package; with no SAE at all the error suggests
// `--sae bundled`; the help of inspect, steer and serve names it.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asAnalysisModel, asAnalysisSae, steerGenerate, topFeaturesPerToken } from "@sae/core";
import { loadSae } from "@sae/core/node";
import { getDevice } from "@sae/tensor-core";
import { processingFromKwargs } from "@sae/transformer";
import { bundledSaeDir, loadBundled } from "@sae/transformer/node";
import { captureIO } from "../io_testing.ts";
import { main } from "../main.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
const TEXT = "ROMEO: But soft";
const tmp = mkdtempSync(join(tmpdir(), "sae-cli-bundled-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const device = await getDevice();
const folderSae = loadSae(bundledSaeDir(), device);
// the model as the CLI loads it for this SAE: from_pretrained_no_processing(**cfg.json model_from_pretrained_kwargs)
const processing = processingFromKwargs(folderSae.extraConfig.model_from_pretrained_kwargs);
const model = asAnalysisModel(await loadBundled({ device, processing }), "tiny-shakespeare");
const sae = asAnalysisSae(folderSae);

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const o = captureIO();
  const code = await main(args, o);
  expect(code, o.stderr).toBe(0);
  return o;
}

describe("sae <cmd> --sae bundled", () => {
  test("inspect: the same features as --sae <its folder> and as the library on the folder", async () => {
    const a = JSON.parse((await run(["inspect", TEXT, "--sae", "bundled", "--json"])).stdout);
    const b = JSON.parse((await run(["inspect", TEXT, "--sae", bundledSaeDir(), "--json"])).stdout);
    const want = await topFeaturesPerToken(model, sae, TEXT, { top: 5 });
    expect(a.sae).toBe(`topk SAE (d_sae 512) at blocks.1.hook_resid_pre from ${bundledSaeDir()}`);
    expect(a).toEqual(b);
    expect(a.ids).toEqual(want.ids);
    expect(a.features).toEqual(JSON.parse(JSON.stringify(want.features)));
    expect(a.features.flat().length).toBe(5 * want.ids.length);
  }, 60_000);

  test("steer --feature 41:8 (the README's example): the library's texts; it visibly steers", async () => {
    const args = ["steer", TEXT, "--sae", "bundled", "--feature", "41:8", "--json"];
    const got = JSON.parse((await run(args)).stdout) as { steered: string; unsteered: string };
    const want = await steerGenerate(model, sae, TEXT, [{ index: 41, strength: 8 }], { maxNewTokens: 30, temperature: 0.8, seed: 0 });
    expect(got.steered).toBe(want.steered);
    expect(got.unsteered).toBe(want.unsteered);
    // feature 41 fires on the speaker name ROMEO; added at 8 the lines become speaker-like headings ending in ':'
    const colons = (s: string) => s.split(":").length - 1;
    expect(colons(got.steered)).toBeGreaterThanOrEqual(5);
    expect(colons(got.unsteered)).toBe(0);
  }, 60_000);

  test("eval bundled: the same metrics as eval <its folder>", async () => {
    const flags = ["--prompts", "2", "--batch-prompts", "2", "--context-size", "16", "--json"];
    const a = JSON.parse((await run(["eval", "bundled", ...flags])).stdout);
    const b = JSON.parse((await run(["eval", bundledSaeDir(), ...flags])).stdout);
    expect(a.checkpoint).toBe("bundled");
    expect(a.tokens).toBe(2 * 15);
    expect({ ...a, checkpoint: b.checkpoint }).toEqual(b);
  }, 60_000);

  test("analyze bundled writes ./feature-data, not into the package's SAE folder", async () => {
    const cwd = process.cwd();
    const before = readdirSync(bundledSaeDir()).sort();
    process.chdir(tmp);
    try {
      const r = await run(["analyze", "bundled", "--tokens", "256", "--context", "32", "--top-n", "2", "--top-logits", "0"]);
      expect(existsSync(join(tmp, "feature-data", "features.jsonl"))).toBe(true);
      expect(r.stdout).toContain(`view it: sae serve --sae bundled --features ${join(tmp, "feature-data")}`);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(bundledSaeDir()).sort()).toEqual(before);
  }, 60_000);

  test("no SAE given and none found: exit 2, the error suggests --sae bundled; help names bundled", async () => {
    const o = captureIO();
    expect(await main(["inspect", "hi", "--checkpoints", join(tmp, "none")], o)).toBe(2);
    expect(o.stderr).toContain("none found under");
    expect(o.stderr).toContain("--sae bundled");
    for (const cmd of ["inspect", "steer", "serve"]) {
      const h = await run([cmd, "--help"]);
      expect(h.stdout).toContain("--sae bundled|dir|release/id");
      expect(h.stdout).toContain("'bundled' (the one trained on the bundled model)");
    }
    for (const cmd of ["eval", "analyze"]) expect((await run([cmd, "--help"])).stdout).toContain("or bundled>");
  }, 60_000);

  test("serve --sae bundled (subprocess) answers /v1/encode with the library's features", async () => {
    const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmp };
    const srv = Bun.spawn([process.execPath, MAIN, "serve", "--sae", "bundled", "--port", "0"], { stdout: "pipe", stderr: "pipe", env });
    try {
      const reader = srv.stdout.getReader();
      let out = "";
      let m: RegExpExecArray | null = null;
      while (!(m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out))) {
        const r = await reader.read();
        if (r.done) throw new Error(`sae serve exited: ${out}${await new Response(srv.stderr).text()}`);
        out += new TextDecoder().decode(r.value);
      }
      expect(out).toContain(`from ${bundledSaeDir()}`);
      const res = await fetch(`${m[1]}/v1/encode`, { method: "POST", body: JSON.stringify({ text: TEXT, top: 3 }) });
      expect(res.status).toBe(200);
      const got = (await res.json()) as { ids: number[]; features: unknown };
      const want = await topFeaturesPerToken(model, sae, TEXT, { top: 3 });
      expect(got.ids).toEqual(want.ids);
      expect(got.features).toEqual(JSON.parse(JSON.stringify(want.features)));
      srv.kill("SIGINT");
      expect(await srv.exited).toBe(0);
    } finally {
      srv.kill();
    }
  }, 120_000);
});
