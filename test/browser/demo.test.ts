// The static demo page (test/demo) in headless Chromium, built by test/demo/build.ts and served as static files
// only: text typed into the page gives a features table equal to topFeaturesPerToken run here under Dawn (same
// tokens, same top-3 feature indices, values within 1e-3), and "Generate" with a feature steered at temperature 0
// gives a steered text that differs from the plain one, is the same when generated again, and equals steerGenerate
// here. The SAE is a TopK SAE on the bundled model's blocks.1.hook_resid_pre (Sae.create, seed 7: initialised, not
// trained; the repository ships no SAE trained on the bundled model), saved in the SAELens layout and fetched by URL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asAnalysisModel, asAnalysisSae, Sae, steerGenerate, topFeaturesPerToken } from "@sae/core";
import { getDevice } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
import { openPage } from "./chromium.ts";
import { files, serveStatic, type StaticServer } from "./static_server.ts";
import { loadSae, saveSae } from "@sae/core/node";

const TEXT = "ROMEO: But soft, what light";
const [STRENGTH, TOKENS] = [60, 12];

// Runs in the page after the demo's own script: types, clicks, waits for the status line, POSTs what is shown.
const DRIVER = `<script type="module">
const $ = (id) => document.getElementById(id);
const until = async (re) => { while (!re.test($("status").textContent)) await new Promise((r) => setTimeout(r, 50)); };
const report = (r) => fetch("/report", { method: "POST", body: JSON.stringify(r) });
try {
  await until(/^(ready|error)/);
  if ($("status").textContent.startsWith("error")) throw new Error($("status").textContent);
  $("text").value = ${JSON.stringify(TEXT)};
  $("inspect").click();
  await until(/^(features ready|error)/);
  const rows = [...$("features").querySelectorAll("tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent));
  const feature = Number(rows.at(-1)[1].split(":")[0]);
  $("feature").value = String(feature);
  $("strength").value = "${STRENGTH}";
  $("temperature").value = "0";
  $("tokens").value = "${TOKENS}";
  const runs = [];
  for (let i = 0; i < 2; i++) {
    $("steer").click();
    await until(/^(generated|error)/);
    runs.push({ plain: $("plain").textContent, steered: $("steered").textContent });
  }
  report({ status: $("status").textContent, rows, feature, runs });
} catch (e) {
  report({ error: String(e) });
}
</script>`;

interface Report {
  error?: string;
  status: string;
  rows: string[][];
  feature: number;
  runs: { plain: string; steered: string }[];
}

const tmp = mkdtempSync(join(tmpdir(), "sae-demo-"));
const device = await getDevice();
let server: StaticServer;
let report: Report;

beforeAll(async () => {
  const fields = { d_in: 128, d_sae: 64, architecture: "topk", k: 4, hook_name: "blocks.1.hook_resid_pre" } as const;
  const sae = Sae.create(device, fields, 7);
  await saveSae(sae, join(tmp, "sae"));
  sae.dispose();
  const args = ["test/demo/build.ts", "--out", join(tmp, "site"), "--sae", join(tmp, "sae")];
  const build = Bun.spawn([process.execPath, ...args], {
    cwd: join(import.meta.dir, "..", ".."),
    stdout: "pipe",
    stderr: "pipe",
  });
  const err = await new Response(build.stderr).text();
  if ((await build.exited) !== 0) throw new Error(`test/demo/build.ts failed: ${err}`);
  const site = join(tmp, "site");
  const html = readFileSync(join(site, "index.html"), "utf8").replace("</body>", `${DRIVER}</body>`);
  server = serveStatic({
    "/": { body: html },
    "/demo.js": join(site, "demo.js"),
    ...files("/model/", join(site, "model"), ["config.json", "model.safetensors", "vocab.json", "merges.txt"]),
    ...files("/sae/", join(site, "sae"), ["cfg.json", "sae_weights.safetensors"]),
  });
  report = (await openPage(`${server.url}/`, server.report)) as Report;
  if (report.error) throw new Error(`the demo page failed: ${report.error}`);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the static demo page in headless Chromium", () => {
  test("typed text: the features table equals topFeaturesPerToken under Dawn", async () => {
    const hooked = await loadBundled({ device });
    const model = asAnalysisModel(hooked, "tiny-shakespeare");
    const sae = asAnalysisSae(loadSae(join(tmp, "sae"), device));
    const want = await topFeaturesPerToken(model, sae, TEXT, { top: 3 });
    expect(report.rows.map((r) => r[0])).toEqual(want.tokens);
    for (let p = 0; p < want.tokens.length; p++) {
      const got = report.rows[p][1].split(", ").map((s) => s.split(": ").map(Number));
      expect(got.map((g) => g[0])).toEqual(want.features[p].map((f) => f.index));
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i][1] - want.features[p][i].value)).toBeLessThan(1e-3);
    }
    expect(want.features.flat().length).toBeGreaterThan(0);

    const r = await steerGenerate(model, sae, TEXT, [{ index: report.feature, strength: STRENGTH }], {
      maxNewTokens: TOKENS,
      temperature: 0,
      seed: 0,
    });
    const [first, second] = report.runs;
    expect(first.steered).not.toBe(first.plain);
    expect(second).toEqual(first); // deterministic at temperature 0
    expect(first.plain).toBe(r.unsteered);
    expect(first.steered).toBe(r.steered);
    hooked.dispose();
  });
});
