// The dashboard page in a real browser: headless Chromium (Debian's /usr/bin/chromium, installed by
// scripts/setup.sh) loads GET /?feature=i from the app served on loopback, runs the page's JS against /v1, and
// the dumped DOM must show that feature's top promoted/suppressed tokens and its max-activating examples; a
// screenshot must be a real 1200x900 PNG. Fails (never skips) when Chromium is missing.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectFeatureData, inMemoryFeatures, sequencesFromText } from "@sae/core";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { createApp } from "./app.ts";
import { listen } from "./listen.ts";

const CHROMIUM = "/usr/bin/chromium";
const device = await getDevice();
const model = new FakeModel(device, { seed: 41 });
const sae = new FakeSae(device, { seed: 42, d_sae: 16, neuronpedia_id: "gpt2-small/8-res-jb" });
const data = await collectFeatureData(model, sae, sequencesFromText(model, "the cat sat on the mat and the dog ran to a big red house . ".repeat(4), 9), { topN: 3, topLogits: 4 });
const server = await listen(createApp({ model, sae, features: inMemoryFeatures(data) }), { port: 0 });
const tmp = mkdtempSync(join(tmpdir(), "sae-chromium-"));
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function chromium(args: string[]): Promise<string> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)`);
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", `--user-data-dir=${join(tmp, "profile")}`, "--virtual-time-budget=15000"];
  const p = Bun.spawn([CHROMIUM, ...flags, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: tmp } });
  const timer = setTimeout(() => p.kill(), 60_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`chromium exited ${code}: ${err.slice(-2000)}`);
  return out;
}

// The most active feature: it has examples to show.
const feature = data.features.reduce((b, f) => (f.nActive > b.nActive ? f : b));

describe("dashboard page in headless Chromium", () => {
  test("the DOM shows the feature's top tokens and highlighted examples", async () => {
    const dom = await chromium(["--dump-dom", `${server.url}/?feature=${feature.index}`]);
    const doc = new HTMLRewriterText(dom);
    expect(doc.idText("promoted")).toEqual(feature.logits!.promoted.map((t) => t.str));
    expect(doc.idText("suppressed")).toEqual(feature.logits!.suppressed.map((t) => t.str));
    expect(dom).toContain(`data-feature="${feature.index}"`);
    expect(dom).toContain(`https://www.neuronpedia.org/gpt2-small/8-res-jb/${feature.index}`);
    // One example div per stored top example; the max-activating token is outlined and fully coloured (alpha 1).
    expect((dom.match(/class="example"/g) ?? []).length).toBeGreaterThanOrEqual(feature.top.length);
    expect((dom.match(/class="t center"[^>]*background: rgb\(255, 110, 20\)/g) ?? []).length).toBeGreaterThanOrEqual(1);
    expect(dom).toMatch(/<rect [^>]*height="[1-9]/); // histogram bars
  }, 90_000);

  test("a screenshot is a non-trivial 1200x900 PNG", async () => {
    const file = join(tmp, "page.png");
    await chromium([`--screenshot=${file}`, "--window-size=1200,900", "--hide-scrollbars", `${server.url}/?feature=${feature.index}`]);
    const png = readFileSync(file);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(900);
    expect(png.length).toBeGreaterThan(20_000); // a blank page compresses to a few KB
  }, 90_000);

  test("/docs renders /openapi.json: one heading per route, the request schemas shown", async () => {
    const dom = await chromium(["--dump-dom", `${server.url}/docs`]);
    const routes = [...dom.matchAll(/<h2><span class="m">(\w+)<\/span>([^<]+)<\/h2>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(routes.sort()).toEqual(["get /health", "get /v1/features/{index}", "post /api/steer", "post /v1/encode", "post /v1/steer"]);
    for (const field of ["max_new_tokens", "n_tokens", "strength_multiplier", "STEERED"]) expect(dom).toContain(`"${field}"`);
  }, 90_000);
});

/** Minimal DOM text extraction for the dumped HTML: the .tok texts of the <li>s inside the element with an id. */
class HTMLRewriterText {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  idText(id: string): string[] {
    const m = new RegExp(`<ol id="${id}"[^>]*>([\\s\\S]*?)</ol>`).exec(this.html);
    if (!m) return [];
    return [...m[1].matchAll(/<span class="tok">([^<]*)<\/span>/g)].map((x) => unescape(x[1]));
  }
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}
