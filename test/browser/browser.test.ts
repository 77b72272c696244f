// The packages in a real browser: headless Chromium (WebGPU through SwiftShader) loads a bundle built the way a web
// app builds one (scripts/build.ts's dist/browser entries, then `bun build --target browser`, no stubs or
// externals given), and in the page's navigator.gpu (check_page.ts):
//   - a matmul of awkward size (67 x 45 x 53) equals tensor-core's CPU reference on the same inputs,
//   - Sae.fromUrl loads a SAELens checkpoint (fixture ckpt_v6_jumprelu, written by SAELens) over HTTP and its
//     encode/decode equal PyTorch's values (expected.safetensors),
//   - hubFetchBytes with the browser's Cache Storage (CacheStorageHubCache): HEAD, GET checked against the ETag
//     (WebCrypto SHA-1; a body its ETag does not name is a DownloadError), and a repeat answered from the cache,
//   - loadModelFromUrl loads the bundled model over HTTP: logits equal the same model's under Dawn here,
//     and its greedy text is the same,
//   - loadPretrainedSaeBytes loads a registry release by id (gpt2-small-res-jb, served from the SAELens fixture
//     ckpt_v5_standard by a loopback hub with SHA-256 ETags) and encodes as the same call does under Bun/Dawn,
//   - loadModelFromHub loads the bundled model by hub id from that hub: logits and text equal loadModelFromUrl's.
// The bundle must hold no node: or webgpu import. Fails (never skips) without Chromium or an adapter.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPretrainedSaeBytes } from "@sae/core";
import { gitBlobSha1, sha256Hex } from "@sae/hub/node";
import { getDevice, host, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { cpu, randn } from "@sae/tensor-core/testing";
import { bundledModelDir, loadBundled } from "@sae/transformer/node";
import { browserBundle } from "./bundle.ts";
import { openPage } from "./chromium.ts";
import { files, serveStatic, type StaticServer } from "./static_server.ts";

const ROOT = join(import.meta.dir, "..", "..");
const SAE_DIR = join(ROOT, "packages", "sae", "fixtures", "ckpt_v6_jumprelu");
const SAE5_DIR = join(ROOT, "packages", "sae", "fixtures", "ckpt_v5_standard"); // gpt2-small-res-jb's files here
const PROMPT = "ROMEO: But soft, what light"; // check_page.ts's
const COMMIT = "0123456789abcdef0123456789abcdef01234567"; // check_page.ts's
const PRE_AT = `/hub/jbloom/GPT2-Small-SAEs-Reformatted/resolve/${COMMIT}/blocks.0.hook_resid_pre`;
const [M, K, N] = [67, 45, 53];

interface Report {
  error?: string;
  device: string;
  hub: string[];
  hubBad: string;
  matmul: number[];
  sae: { architecture: string; acts: number[]; out: number[] };
  model: { shape: number[]; logits: number[]; text: string; tokens: number[] };
  pretrained: { hook: string; sparsity: number; acts: number[] };
  hubModel: { logits: number[]; text: string };
}

/** A hub file route: the bytes with their SHA-256 as ETag (an LFS file's). */
function hubFile(path: string): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const body = new Uint8Array(readFileSync(path));
  return { body, headers: { etag: `"${sha256Hex(body)}"` } };
}

const tmp = mkdtempSync(join(tmpdir(), "sae-browser-"));
const a = randn(M * K, 1);
const b = randn(K * N, 2);
let bundle = "";
let server: StaticServer;
let report: Report;

beforeAll(async () => {
  bundle = await browserBundle(join(import.meta.dir, "check_page.ts"), tmp);
  const model = bundledModelDir();
  const hubCfg = new Uint8Array(readFileSync(join(SAE_DIR, "cfg.json")));
  server = serveStatic({
    "/": { body: '<!doctype html><html><body>running<script type="module" src="/page.js"></script></body></html>' },
    "/page.js": join(tmp, "page.js"),
    "/matmul.json": { body: JSON.stringify({ M, K, N, a: Array.from(a), b: Array.from(b) }) },
    ...files("/sae/", SAE_DIR, ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors", "expected.safetensors"]),
    [`/hub/org/sae/resolve/${COMMIT}/cfg.json`]: { body: hubCfg, headers: { etag: `"${gitBlobSha1(hubCfg)}"` } },
    [`/hub/org/sae/resolve/${COMMIT}/bad.json`]: { body: hubCfg, headers: { etag: `"${"e".repeat(40)}"` } },
    ...files("/model/", model, ["config.json", "model.safetensors", "vocab.json", "merges.txt"]),
    ...Object.fromEntries(
      ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"].map((f) => [
        `${PRE_AT}/${f}`,
        hubFile(join(SAE5_DIR, f)),
      ]),
    ),
    "/sae5/expected.safetensors": join(SAE5_DIR, "expected.safetensors"),
    ...Object.fromEntries(
      ["config.json", "model.safetensors", "vocab.json", "merges.txt"].map((f) => [
        `/hub/org/tiny-shakespeare/resolve/${COMMIT}/${f}`,
        hubFile(join(model, f)),
      ]),
    ),
  });
  report = (await openPage(`${server.url}/`, server.report)) as Report;
  if (report.error) throw new Error(`the page failed: ${report.error}`);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

describe("the browser bundle in headless Chromium", () => {
  test("the bundle has no node: or webgpu import; the page ran on the browser's WebGPU", () => {
    expect(bundle).not.toMatch(/from ?"(node:|webgpu)|import\("(node:|webgpu)/);
    expect(report.device).toMatch(/navigator\.gpu/);
  });

  test("hubFetchBytes, CacheStorageHubCache: HEAD + GET checked by git SHA-1 (WebCrypto), repeat from cache", () => {
    const want = readFileSync(join(SAE_DIR, "cfg.json"), "utf8");
    expect(report.hub).toEqual([want, want]);
    const path = `/hub/org/sae/resolve/${COMMIT}/cfg.json`;
    expect(server.requests.filter((p) => p.endsWith(path))).toEqual([`HEAD ${path}`, path]);
    const sha1 = gitBlobSha1(readFileSync(join(SAE_DIR, "cfg.json")));
    expect(report.hubBad).toContain(`DownloadError: hub: org/sae/bad.json at revision '${COMMIT}': checksum mismatch,`);
    expect(report.hubBad).toContain(`git blob sha1 ${sha1} but the hub's ETag is ${"e".repeat(40)}; nothing was`);
  });

  test(`matmul ${M}x${K}x${N} equals the CPU reference`, () => {
    const want = cpu.matmul(host([M, K], a), host([K, N], b)).data;
    expect(worstError(report.matmul, want)).toBeLessThan(1e-5);
  });

  test("Sae.fromUrl: a SAELens jumprelu checkpoint encodes/decodes to PyTorch's values", () => {
    const want = loadSafetensorsFile(join(SAE_DIR, "expected.safetensors")).tensors;
    expect(report.sae.architecture).toBe("jumprelu");
    expect(worstError(report.sae.acts, want.get("feature_acts")!.data as Float32Array)).toBeLessThan(1e-5);
    expect(worstError(report.sae.out, want.get("sae_out")!.data as Float32Array)).toBeLessThan(1e-5);
    expect(report.sae.acts.some((v) => v > 0)).toBe(true);
  });

  test("loadModelFromUrl: logits and greedy text equal the model's under Dawn", async () => {
    const device = await getDevice();
    const model = await loadBundled({ device });
    const logits = await model.forward(PROMPT); // [1, pos, d_vocab]
    expect(report.model.shape).toEqual([...logits.shape]);
    expect(worstError(report.model.logits, await logits.read())).toBeLessThan(1e-3);
    const gen = await model.generate(PROMPT, { maxNewTokens: 16, temperature: 0 });
    expect(report.model.tokens).toEqual(gen.tokens);
    expect(report.model.text).toBe(gen.text);
    logits.dispose();
    model.dispose();
  });

  test("loadPretrainedSaeBytes: a release by id from the loopback hub encodes as under Bun (and SAELens)", async () => {
    const hubGets = server.requests.filter((p) => p.startsWith(PRE_AT)); // the page's, before Bun's below
    const device = await getDevice();
    const o = { endpoint: `${server.url}/hub`, revision: COMMIT, token: false as const };
    const sae = await loadPretrainedSaeBytes("gpt2-small-res-jb", "blocks.0.hook_resid_pre", device, o);
    const want = loadSafetensorsFile(join(SAE5_DIR, "expected.safetensors")).tensors;
    const xs = want.get("x")!.data as Float32Array;
    const acts = await sae.encode(Tensor.from(device, [xs.length / sae.cfg.d_in, sae.cfg.d_in], xs)); // [batch, d_sae]
    const bun = await acts.read();
    expect(report.pretrained.hook).toBe(sae.cfg.hook_name);
    expect(report.pretrained.sparsity).toBe(sae.sparsity!.length);
    expect(worstError(report.pretrained.acts, bun)).toBeLessThan(1e-5);
    expect(worstError(bun, want.get("feature_acts")!.data as Float32Array)).toBeLessThan(1e-5);
    expect(report.pretrained.acts.some((v) => v > 0)).toBe(true);
    const weights = [`${PRE_AT}/sae_weights.safetensors`, `${PRE_AT}/sparsity.safetensors`];
    expect(hubGets).toEqual(expect.arrayContaining(weights));
    acts.dispose();
    sae.dispose();
  });

  test("loadModelFromHub: the bundled model by hub id gives loadModelFromUrl's logits and text in the page", () => {
    expect(report.hubModel.logits).toEqual(report.model.logits);
    expect(report.hubModel.text).toBe(report.model.text);
    const at = `/hub/org/tiny-shakespeare/resolve/${COMMIT}/model.safetensors`;
    expect(server.requests.filter((p) => p.endsWith(at))).toEqual([`HEAD ${at}`, at]);
  });
});
