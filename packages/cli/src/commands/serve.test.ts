// End to end through the CLI as subprocesses: write a small SAE with @sae/core, `sae analyze` it on the bundled
// corpus, start `sae serve --port 0 --token T` on 127.0.0.1, steer over HTTP and compare with the same steering
// computed in this process, read a stored feature, check auth, then stop the server with SIGINT.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae, asAnalysisModel, asAnalysisSae, steerGenerate } from "@sae/core";
import { getDevice } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
import { loadSae, saveSae } from "@sae/core/node";

const MAIN = join(import.meta.dir, "..", "main.ts");
const tmp = mkdtempSync(join(tmpdir(), "sae-serve-e2e-"));
const saeDir = join(tmp, "sae");
const device = await getDevice();
const sae = Sae.create(device, { d_in: 128, d_sae: 256, architecture: "topk", k: 8, hook_name: "blocks.1.hook_resid_pre" }, 11);
await saveSae(sae, saeDir);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  return Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmp } });
}

/** Collects a stream's text in the background; `waitFor` polls it for a pattern. */
function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void>; waitFor: (re: RegExp, ms: number) => Promise<RegExpExecArray> } {
  let text = "";
  const dec = new TextDecoder();
  const done = (async () => {
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += dec.decode(r.value);
  })();
  const waitFor = async (re: RegExp, ms: number): Promise<RegExpExecArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(text);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no output matching ${re} within ${ms} ms; got:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { text: () => text, done, waitFor };
}

describe("sae analyze + sae serve (subprocesses)", () => {
  test("analyze writes feature data; serve steers, serves features, checks the token and stops on SIGINT", async () => {
    const an = cli(["analyze", saeDir, "--tokens", "1024", "--context", "32", "--top-n", "5"]);
    const [anOut, anErr, anCode] = await Promise.all([new Response(an.stdout).text(), new Response(an.stderr).text(), an.exited]);
    expect(anCode, anErr).toBe(0);
    expect(anOut).toContain("feature-data.json");
    expect(existsSync(join(saeDir, "feature-data", "features.jsonl"))).toBe(true);

    const srv = cli(["serve", "--sae", saeDir, "--port", "0", "--token", "T0ken", "--cors", "http://ui.test"]);
    try {
      const out = collect(srv.stdout);
      const match = await out.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      const url = match[1];
      const health = (await (await fetch(`${url}/health`)).json()) as { feature_data: unknown; auth: boolean };
      expect(health.auth).toBe(true);
      expect(health.feature_data).not.toBeNull();
      const body = { prompt: "ROMEO:", features: [{ index: 17, strength: 25 }], max_new_tokens: 10, temperature: 0.8, seed: 4 };
      const unauth = await fetch(`${url}/v1/steer`, { method: "POST", body: JSON.stringify(body) });
      expect(unauth.status).toBe(401);
      const res = await fetch(`${url}/v1/steer`, { method: "POST", headers: { Authorization: "Bearer T0ken", Origin: "http://ui.test" }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("http://ui.test");
      const got = (await res.json()) as { steered: string; unsteered: string };
      const want = await steerGenerate(asAnalysisModel(await loadBundled(), "tiny-shakespeare"), asAnalysisSae(loadSae(saeDir, device)), body.prompt, body.features, { maxNewTokens: 10, temperature: 0.8, seed: 4 });
      expect(got.steered).toBe(want.steered);
      expect(got.unsteered).toBe(want.unsteered);
      const feat = (await (await fetch(`${url}/v1/features/17`, { headers: { Authorization: "Bearer T0ken" } })).json()) as { stored: boolean; index: number; density: number };
      expect(feat.stored).toBe(true);
      expect(feat.index).toBe(17);
      expect(feat.density).toBeGreaterThanOrEqual(0);
      srv.kill("SIGINT");
      expect(await srv.exited).toBe(0);
      await out.done;
      expect(out.text()).toContain("shutting down");
    } finally {
      srv.kill();
    }
  }, 180_000);
});
