// The static demo page (demo/) in headless Chromium, built by demo/build.ts with its default SAE (the TopK SAE
// trained on the bundled model, packages/transformer/assets/tiny-shakespeare/sae) and served as static files only:
// text typed into the page gives a features table equal to topFeaturesPerToken run here under Dawn (same tokens,
// same top-3 feature ids, activations within 1e-4), and "Generate" with a feature steered, sampled at temperature
// 0.8 with a fixed seed, gives the same steered and plain texts as steerGenerate here with that seed, the same again
// on a second click, and a steered text that differs from the plain one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asAnalysisModel, asAnalysisSae, steerGenerate, topFeaturesPerToken } from "@sae/core";
import { loadSae } from "@sae/core/node";
import { getDevice } from "@sae/tensor-core";
import { bundledModelDir, loadBundled } from "@sae/transformer/node";
import { openPage } from "./chromium.ts";
import { files, serveStatic, type StaticServer } from "./static_server.ts";

const TEXT = "ROMEO: But soft, what light";
const [STRENGTH, TOKENS, TEMPERATURE, SEED] = [8, 12, 0.8, 3];
const SAE_DIR = join(bundledModelDir(), "sae");

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
  const trs = [...$("features").querySelectorAll("tbody tr")];
  const rows = trs.map((tr) => ({ token: tr.cells[0].textContent, features: JSON.parse(tr.dataset.features) }));
  const feature = rows.at(-1).features[0][0];
  $("feature").value = String(feature);
  $("strength").value = "${STRENGTH}";
  $("temperature").value = "${TEMPERATURE}";
  $("seed").value = "${SEED}";
  $("tokens").value = "${TOKENS}";
  const runs = [];
  for (let i = 0; i < 2; i++) {
    $("steer").click();
    await until(/^(generated|error)/);
    runs.push({ plain: $("plain").textContent, steered: $("steered").textContent });
  }
  report({ status: $("status").textContent, rows, feature, runs, dSae: Number(document.body.dataset.dSae) });
} catch (e) {
  report({ error: String(e) });
}
</script>`;

interface Report {
  error?: string;
  status: string;
  rows: { token: string; features: [number, number][] }[];
  feature: number;
  dSae: number;
  runs: { plain: string; steered: string }[];
}

const tmp = mkdtempSync(join(tmpdir(), "sae-demo-"));
const device = await getDevice();
let server: StaticServer;
let report: Report;

beforeAll(async () => {
  const args = ["demo/build.ts", "--out", join(tmp, "site")];
  const build = Bun.spawn([process.execPath, ...args], {
    cwd: join(import.meta.dir, "..", ".."),
    stdout: "pipe",
    stderr: "pipe",
  });
  const err = await new Response(build.stderr).text();
  if ((await build.exited) !== 0) throw new Error(`demo/build.ts failed: ${err}`);
  const site = join(tmp, "site");
  const html = readFileSync(join(site, "index.html"), "utf8").replace("</body>", `${DRIVER}</body>`);
  server = serveStatic({
    "/": { body: html },
    "/demo.js": join(site, "demo.js"),
    ...files("/model/", join(site, "model"), ["config.json", "model.safetensors", "vocab.json", "merges.txt"]),
    ...files("/sae/", join(site, "sae"), ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]),
  });
  report = (await openPage(`${server.url}/`, server.report)) as Report;
  if (report.error) throw new Error(`the demo page failed: ${report.error}`);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the static demo page in headless Chromium", () => {
  test("typed text: the features table and steered generation equal @sae/core's under Dawn", async () => {
    const hooked = await loadBundled({ device });
    const model = asAnalysisModel(hooked, "tiny-shakespeare");
    const sae = asAnalysisSae(loadSae(SAE_DIR, device));
    expect(report.dSae).toBe(512); // the bundled trained SAE, not another
    const want = await topFeaturesPerToken(model, sae, TEXT, { top: 3 });
    expect(report.rows.map((r) => r.token)).toEqual(want.tokens);
    for (let p = 0; p < want.tokens.length; p++) {
      const got = report.rows[p].features;
      expect(got.map((g) => g[0])).toEqual(want.features[p].map((f) => f.index));
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i][1] - want.features[p][i].value)).toBeLessThan(1e-4);
    }
    expect(want.features.flat().filter((f) => f.value > 0).length).toBe(3 * want.tokens.length);

    const r = await steerGenerate(model, sae, TEXT, [{ index: report.feature, strength: STRENGTH }], {
      maxNewTokens: TOKENS,
      temperature: TEMPERATURE,
      seed: SEED,
    });
    const [first, second] = report.runs;
    const texts = `plain ${JSON.stringify(first.plain)}, steered ${JSON.stringify(first.steered)}`;
    console.log(`demo: feature ${report.feature} at strength ${STRENGTH}: ${texts}`);
    expect(first.steered).not.toBe(first.plain);
    expect(second).toEqual(first); // the same seed samples the same tokens
    expect(first.plain).toBe(r.unsteered);
    expect(first.steered).toBe(r.steered);
    hooked.dispose();
  });
});
