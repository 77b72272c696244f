// Sae.fromBytes and Sae.fromUrl: the SAELens checkpoints written by SAELens (fixtures ckpt_v5_standard,
// ckpt_v6_jumprelu) loaded from bytes and from a loopback HTTP server encode and decode to PyTorch's values
// (expected.safetensors), the same as loadSae from the folder; a missing sparsity file (404) loads as none; a
// missing weights file is a DownloadError naming the URL; a server that is down is an UnavailableError.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DownloadError, UnavailableError } from "@sae/hub";
import { serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { Sae } from "./sae.ts";
import { loadSae } from "./load.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const device = await getDevice();
const server = await serveLoopback((req) => {
  const path = new URL(req.url).pathname;
  const m = /^\/(ckpt_v5_standard|ckpt_v6_jumprelu|no_sparsity)\/([a-z_]+\.(json|safetensors))$/.exec(path);
  if (!m || (m[1] === "no_sparsity" && m[2] === "sparsity.safetensors")) return new Response("no", { status: 404 });
  const dir = m[1] === "no_sparsity" ? "ckpt_v5_standard" : m[1];
  try {
    return new Response(readFileSync(join(FIXTURES, dir, m[2])));
  } catch {
    return new Response("no", { status: 404 });
  }
});
const base = server.url;
afterAll(() => server.close());

async function checkEncode(sae: Sae, dir: string): Promise<void> {
  const want = loadSafetensorsFile(join(FIXTURES, dir, "expected.safetensors")).tensors;
  const xData = want.get("x")!.data as Float32Array;
  const x = Tensor.from(device, [xData.length / sae.cfg.d_in, sae.cfg.d_in], xData); // [batch, d_in]
  const acts = await sae.encode(x); // [batch, d_sae]
  const out = sae.decode(acts); // [batch, d_in]
  for (const [name, t] of [["feature_acts", acts], ["sae_out", out]] as const) {
    const got = await t.read();
    const ref = want.get(name)!.data as Float32Array;
    expect(got.length).toBe(ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
    expect(worst).toBeLessThan(1e-5);
  }
  expect(Array.from(await acts.read()).some((v) => v > 0)).toBe(true);
  for (const t of [x, acts, out]) t.dispose();
}

describe("Sae.fromBytes / Sae.fromUrl", () => {
  for (const dir of ["ckpt_v5_standard", "ckpt_v6_jumprelu"]) {
    test(`${dir}: fromBytes encodes/decodes to PyTorch's values`, async () => {
      const read = (f: string) => readFileSync(join(FIXTURES, dir, f));
      const [weights, sparsity] = [read("sae_weights.safetensors"), read("sparsity.safetensors")];
      const cfg = read("cfg.json").toString();
      const sae = Sae.fromBytes({ cfg, weights, sparsity }, device);
      const folder = loadSae(join(FIXTURES, dir), device);
      expect(sae.cfg).toEqual(folder.cfg);
      expect(sae.extraConfig).toEqual(folder.extraConfig);
      expect(Array.from(sae.sparsity!)).toEqual(Array.from(folder.sparsity!));
      await checkEncode(sae, dir);
      sae.dispose();
      folder.dispose();
    });

    test(`${dir}: fromUrl over loopback HTTP (base URL with and without a slash)`, async () => {
      for (const url of [`${base}/${dir}`, `${base}/${dir}/`]) {
        const sae = await Sae.fromUrl(url, device);
        expect(sae.sparsity?.length).toBe(sae.cfg.d_sae);
        await checkEncode(sae, dir);
        sae.dispose();
      }
      expect(server.requests).toContain(`GET /${dir}/sae_weights.safetensors`);
    });
  }

  test("a 404 for sparsity.safetensors loads with no sparsity", async () => {
    const sae = await Sae.fromUrl(`${base}/no_sparsity`, device);
    expect(sae.sparsity).toBeNull();
    await checkEncode(sae, "ckpt_v5_standard");
    sae.dispose();
  });

  test("a missing file is a DownloadError naming the URL; a server that is down, UnavailableError", async () => {
    const err = await Sae.fromUrl(`${base}/nothing_here`, device).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).not.toBeInstanceOf(UnavailableError);
    expect(String(err.message)).toMatch(/\/nothing_here\/(cfg\.json|sae_weights\.safetensors) not found: HTTP 404/);
    const down = await Sae.fromUrl("http://127.0.0.1:1/x", device, { retries: 1, backoffMs: 10 }).catch((e) => e);
    expect(down).toBeInstanceOf(UnavailableError);
    expect(String(down.message)).toContain("http://127.0.0.1:1/x/");
  });

  test("bad bytes name the URL's file", () => {
    const weights = readFileSync(join(FIXTURES, "ckpt_v5_standard", "sae_weights.safetensors"));
    expect(() => Sae.fromBytes({ cfg: "{not json", weights, label: "http://h/s" }, device)).toThrow(
      "http://h/s/cfg.json: not valid JSON",
    );
  });
});
