// fromPretrained against a loopback hub the test starts (the hub's /{repo}/resolve/main/{path} layout, ETag =
// sha256 of the body, X-Repo-Commit), serving the SAELens 5 fixture as a tiny gpt2-small-res-jb SAE and the
// original-layout hook_z fixture (.pt + _cfg.json at the repo root) as gpt2-small-hook-z-kk's layer 0.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { PretrainedNotFoundError } from "./errors.ts";
import { PRETRAINED, pretrainedEntry } from "./pretrained.ts";
import { Sae } from "./sae.ts";
import { FIXTURES } from "./test_fixtures.ts";
import { loadSae } from "./load.ts";
import { loadPretrainedSae } from "./pretrained_files.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const hub = fakeHub(COMMIT);
let server: Loopback;
let requests: string[] = [];
let endpoint = "";

function serveFolder(repo: string, path: string, src: string, names: string[], edit?: (cfg: Record<string, unknown>) => void): void {
  for (const n of names) {
    let body = new Uint8Array(readFileSync(join(src, n)));
    if (n === "cfg.json" && edit) {
      const cfg = JSON.parse(new TextDecoder().decode(body));
      edit(cfg);
      body = new TextEncoder().encode(JSON.stringify(cfg));
    }
    hub.put(repo, `${path}/${n}`, body);
  }
}

function expectedConvert(name: string): Map<string, { shape: number[]; data: Float32Array }> {
  const t = loadSafetensorsFile(join(FIXTURES, "convert", name, "expected.safetensors")).tensors;
  return t as Map<string, { shape: number[]; data: Float32Array }>;
}

beforeAll(async () => {
  hub.putFolder("canrager/lm_sae", join(FIXTURES, "convert", "dictionary_learning_topk", "repo"));
  hub.putFolder("EleutherAI/sae-pythia-70m-32k", join(FIXTURES, "convert", "sparsify", "repo"));
  serveFolder("someone/my-saes", "layer0", join(FIXTURES, "ckpt_v5_standard"), ["cfg.json", "sae_weights.safetensors"]);
  const v5 = join(FIXTURES, "ckpt_v5_standard");
  serveFolder("jbloom/GPT2-Small-SAEs-Reformatted", "blocks.0.hook_resid_pre", v5, ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]);
  serveFolder("tommmcgrath/gpt2-small-mlp-out-saes", "sae_group_gpt2_blocks.0.hook_mlp_out_24576:v1", v5, ["cfg.json", "sae_weights.safetensors"], (c) => {
    c.normalize_activations = "expected_average_only_in";
    c.hook_point = "blocks.0.hook_mlp_out";
  });
  serveFolder("jbloom/GPT2-Small-OAI-v5-32k-resid-post-SAEs", "v5_32k_layer_0.pt", v5, ["cfg.json", "sae_weights.safetensors"], (c) => {
    c.normalize_activations = "layer_norm";
  });
  const kk = pretrainedEntry("gpt2-small-hook-z-kk", "blocks.0.hook_z").sae.path;
  const z = join(FIXTURES, "hook_z_kk");
  const kkRepo = "ckkissane/attn-saes-gpt2-small-all-layers";
  hub.put(kkRepo, kk, new Uint8Array(readFileSync(join(z, "tiny_L0_Hcat_z.pt"))));
  hub.put(kkRepo, kk.replace(/\.pt$/, "_cfg.json"), new Uint8Array(readFileSync(join(z, "tiny_L0_Hcat_z_cfg.json"))));
  server = await serveLoopback(hub.handle);
  requests = server.requests;
  endpoint = server.url;
});

afterAll(() => server.close());

describe("pretrained registry", () => {
  test("gpt2-small-res-jb lists all 13 hook points with neuronpedia ids", () => {
    const rel = PRETRAINED["gpt2-small-res-jb"];
    expect(rel.repo_id).toBe("jbloom/GPT2-Small-SAEs-Reformatted");
    expect(rel.saes.map((s) => s.id)).toEqual([...Array.from({ length: 12 }, (_, l) => `blocks.${l}.hook_resid_pre`), "blocks.11.hook_resid_post"]);
    expect(rel.saes.map((s) => s.neuronpedia)).toEqual(Array.from({ length: 13 }, (_, l) => `gpt2-small/${l}-res-jb`));
    expect(rel.saes.every((s) => s.path === s.id && s.hook_name === s.id)).toBe(true);
    for (const r of ["gpt2-small-hook-z-kk", "gpt2-small-mlp-tm", "gpt2-small-res-jb-feature-splitting", "gpt2-small-resid-post-v5-32k", "gpt2-small-resid-post-v5-128k"]) {
      expect(PRETRAINED[r].saes.length).toBeGreaterThan(0);
    }
  });

  test("a wrong release or id throws listing the valid ones", () => {
    expect(() => pretrainedEntry("gpt2-small-res-xx", "blocks.0.hook_resid_pre")).toThrow(PretrainedNotFoundError);
    expect(() => pretrainedEntry("gpt2-small-res-xx", "x")).toThrow(/valid releases: .*gpt2-small-hook-z-kk, .*gpt2-small-res-jb, /);
    expect(() => pretrainedEntry("gpt2-small-res-jb", "blocks.12.hook_resid_pre")).toThrow(/valid ids: blocks\.0\.hook_resid_pre, .*blocks\.7\.hook_resid_pre, \.\.\. \(13 in all\)$/);
    expect(() => pretrainedEntry("gemma-scope-2b-pt-res", "layer_0/width_16k/canonical")).toThrow(/try release gemma-scope-2b-pt-res-canonical/);
  });
});

describe("fromPretrained over a loopback hub", () => {
  test("downloads cfg, weights and sparsity into the hub cache and loads the SAE", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("gpt2-small-res-jb", "blocks.0.hook_resid_pre", device, { cacheDir, endpoint });
    expect(sae.cfg.hook_name).toBe("blocks.3.hook_resid_pre"); // what the served cfg.json says
    expect(sae.extraConfig.model_from_pretrained_kwargs).toEqual({ center_writing_weights: true }); // release override
    expect(sae.sparsity?.length).toBe(40);
    const want = loadSae(join(FIXTURES, "ckpt_v5_standard"), device);
    assertClose("W_enc", await sae.W_enc.read(), await want.W_enc.read(), 0, 0);
    const snap = join(cacheDir, "models--jbloom--GPT2-Small-SAEs-Reformatted", "snapshots", COMMIT, "blocks.0.hook_resid_pre");
    for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) expect(existsSync(join(snap, f))).toBe(true);
    expect(requests.some((r) => r === "GET /jbloom/GPT2-Small-SAEs-Reformatted/resolve/main/blocks.0.hook_resid_pre/sae_weights.safetensors")).toBe(true);
    sae.dispose();
    want.dispose();
  });

  test("a release without sparsity and with expected_average_only_in folds norm_scaling_factor into the weights", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("gpt2-small-mlp-tm", "blocks.0.hook_mlp_out", device, { cacheDir, endpoint });
    const s = pretrainedEntry("gpt2-small-mlp-tm", "blocks.0.hook_mlp_out").sae.norm_scaling_factor as number;
    expect(s).toBeCloseTo(1.049317316132615, 12);
    expect(sae.cfg.normalize_activations).toBe("none");
    expect(sae.sparsity).toBeNull();
    const raw = loadSae(join(FIXTURES, "ckpt_v5_standard"), device);
    assertClose("W_enc * s", await sae.W_enc.read(), (await raw.W_enc.read()).map((v) => v * s), 1e-6, 1e-7);
    assertClose("W_dec / s", await sae.W_dec.read(), (await raw.W_dec.read()).map((v) => v / s), 1e-6, 1e-7);
    assertClose("b_dec / s", await sae.b_dec.read(), (await raw.b_dec.read()).map((v) => v / s), 1e-6, 1e-7);
    sae.dispose();
    raw.dispose();
  });

  test("gpt2-small-resid-post-v5-32k (normalize_activations layer_norm) loads and runs with the per-token norm", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("gpt2-small-resid-post-v5-32k", "blocks.0.hook_resid_post", device, { cacheDir, endpoint });
    expect(sae.cfg.normalize_activations).toBe("layer_norm");
    expect(sae.cfg.dataset_path).toBe("Skylion007/openwebtext"); // release override
    const raw = loadSae(join(FIXTURES, "ckpt_v5_standard"), device); // same weights, no normalisation
    const d = raw.cfg.d_in;
    const xh = Float32Array.from({ length: 3 * d }, (_, i) => Math.sin(i * 0.7) * 2 + (i % 3));
    const xn = new Float32Array(xh.length);
    const stats: [number, number][] = [];
    for (let b = 0; b < 3; b++) {
      const row = xh.subarray(b * d, (b + 1) * d);
      const mu = row.reduce((a, v) => a + v, 0) / d;
      const std = Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / (d - 1));
      row.forEach((v, c) => (xn[b * d + c] = (v - mu) / (std + 1e-5)));
      stats.push([std, mu]);
    }
    const [x, xnT] = [Tensor.from(device, [3, d], xh), Tensor.from(device, [3, d], xn)];
    const got = await sae.forward(x);
    const base = await (await raw.forward(xnT)).read();
    assertClose("layer_norm forward", await got.read(), base.map((v, i) => v * stats[Math.floor(i / d)][0] + stats[Math.floor(i / d)][1]), 1e-4, 1e-4);
    for (const t of [x, xnT, got]) t.dispose();
    sae.dispose();
    raw.dispose();
  });

  test("gpt2-small-hook-z-kk: the original .pt and _cfg.json are converted (SAELens connor_rob_hook_z)", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("gpt2-small-hook-z-kk", "blocks.0.hook_z", device, { cacheDir, endpoint });
    expect(sae.cfg).toMatchObject({ architecture: "standard", d_in: 12, d_sae: 20, hook_name: "blocks.0.attn.hook_z", hook_layer: 0, neuronpedia_id: "gpt2-small/0-att-kk" });
    const exp = loadSafetensorsFile(join(FIXTURES, "hook_z_kk", "expected.safetensors")).tensors;
    const x = Tensor.from(device, [10, 12], exp.get("z")?.data as Float32Array);
    const out = await sae.forward(x);
    assertClose("hook_z recon", await out.read(), exp.get("recon")?.data as Float32Array, 1e-5, 1e-5);
    const kk = pretrainedEntry("gpt2-small-hook-z-kk", "blocks.0.hook_z").sae.path;
    const got = requests.filter((r) => r.startsWith("GET /ckkissane/"));
    expect(got).toEqual([`GET /ckkissane/attn-saes-gpt2-small-all-layers/resolve/main/${kk.replace(/\.pt$/, "_cfg.json")}`, `GET /ckkissane/attn-saes-gpt2-small-all-layers/resolve/main/${kk}`]);
    for (const t of [x, out]) t.dispose();
    sae.dispose();
  });

  test("a release in another format loads through its conversion (sae_bench topk: dictionary_learning_1)", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const [release, id] = ["sae_bench_pythia70m_sweep_topk_ctx128_0730", "blocks.3.hook_resid_post__trainer_0"];
    const sae = await loadPretrainedSae(release, id, device, { cacheDir, endpoint });
    const np = pretrainedEntry(release, id).sae.neuronpedia;
    expect(sae.cfg).toMatchObject({ architecture: "topk", k: 3, d_in: 6, d_sae: 10, neuronpedia_id: np });
    expect(sae.cfg.hook_name).toBe("blocks.3.hook_resid_post");
    const exp = expectedConvert("dictionary_learning_topk");
    assertClose("W_enc", await sae.W_enc.read(), exp.get("param.W_enc")?.data as Float32Array, 0, 0);
    const x = Tensor.from(device, [5, 6], exp.get("x")?.data as Float32Array);
    const f = await sae.encode(x);
    assertClose("encode", await f.read(), exp.get("acts")?.data as Float32Array, 1e-5, 1e-5);
    const path = pretrainedEntry(release, id).sae.path;
    for (const n of ["config.json", "ae.pt"]) expect(requests).toContain(`GET /canrager/lm_sae/resolve/main/${path}/${n}`);
    for (const t of [x, f]) t.dispose();
    sae.dispose();
  });

  test("a release name with '/' that the registry lacks is a hub repo of SAELens folders (id = folder)", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("someone/my-saes", "layer0", device, { cacheDir, endpoint });
    const want = loadSae(join(FIXTURES, "ckpt_v5_standard"), device);
    assertClose("W_enc", await sae.W_enc.read(), await want.W_enc.read(), 0, 0);
    expect(sae.sparsity).toBeNull(); // the repo has no sparsity.safetensors: a 404, not an error
    expect(requests).toContain("GET /someone/my-saes/resolve/main/layer0/cfg.json");
    await expect(loadPretrainedSae("no-slash-release", "x", device, { cacheDir, endpoint })).rejects.toThrow(PretrainedNotFoundError);
    sae.dispose();
    want.dispose();
  });

  test("conversion: 'sparsify' reads an EleutherAI sparsify repo (cfg.json + sae.safetensors), as SAELens's converter=", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const opts = { cacheDir, endpoint, conversion: "sparsify" as const };
    const sae = await loadPretrainedSae("EleutherAI/sae-pythia-70m-32k", "layers.3", device, opts);
    expect(sae.cfg).toMatchObject({ architecture: "topk", k: 3, hook_name: "blocks.3.hook_resid_post", dtype: "bfloat16" });
    // SAELens names the model after the SAE folder's parent: in a hub snapshot, the commit folder.
    expect(sae.cfg.model_name).toBe(COMMIT);
    const exp = expectedConvert("sparsify");
    const x = Tensor.from(device, [5, 6], exp.get("x")?.data as Float32Array);
    const f = await sae.encode(x);
    assertClose("encode", await f.read(), exp.get("acts")?.data as Float32Array, 1e-5, 1e-5);
    for (const t of [x, f]) t.dispose();
    sae.dispose();
  });
});
