// loadPretrainedSaeBytes (@sae/core: files as bytes through hubFetchBytes, no file system) against loadPretrainedSae
// (@sae/core/node: hubDownload into a cache folder, files read from disk) on one loopback hub the test starts (the
// hub's /{repo}/resolve/main/{path} layout, ETag = sha256 of the body, X-Repo-Commit): for releases of six formats
// (SAELens folders with sparsity, Gemma Scope params.npz, an embedding params.npz, sparsify, Llama Scope, a
// dictionary_learning torch .pt, a mwhanna transcoder with YAML configs) both paths give the same config, extra
// config, sparsity and parameters bit for bit, and the same encode on the GPU, which equals SAELens's
// (expected.safetensors, written by SAELens's own loaders). A MemoryHubCache answers a pinned revision with no request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHubCache, NotFoundError } from "@sae/hub";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import type { ConversionName } from "./convert/registry.ts";
import { hubBytesFiles, loadPretrainedSaeBytes, pretrainedHostBytes } from "./pretrained_bytes.ts";
import { hubDiskFiles, loadPretrainedSae } from "./pretrained_files.ts";
import { convertPretrained, resolvePretrained } from "./pretrained_load.ts";
import { Sae } from "./sae.ts";
import { FIXTURES } from "./test_fixtures.ts";

const COMMIT = "3".repeat(40);
const hub = fakeHub(COMMIT);
let server: Loopback;
let endpoint = "";

interface Case {
  name: string;
  release: string;
  saeId: string;
  conversion?: ConversionName;
  /** A fixture's overrides where no registry release lists it (Gemma Scope names imply the real sizes). */
  overrides?: Record<string, unknown>;
  /** The expected.safetensors with x and SAELens's encode (acts / feature_acts). */
  expected: string;
}

const convertCase = (name: string, conversion?: ConversionName): Case => {
  const e = JSON.parse(readFileSync(join(FIXTURES, "convert", name, "expected.json"), "utf8"));
  const [release, saeId] = e.release === null ? [e.repo_id, e.path] : [e.release, e.sae_id];
  const expected = join(FIXTURES, "convert", name, "expected.safetensors");
  return { name, release, saeId, conversion, overrides: e.release === null ? e.overrides : undefined, expected };
};

const CASES: Case[] = [
  {
    name: "sae_lens (gpt2-small-res-jb, with sparsity)",
    release: "gpt2-small-res-jb",
    saeId: "blocks.0.hook_resid_pre",
    expected: join(FIXTURES, "ckpt_v5_standard", "expected.safetensors"),
  },
  convertCase("gemma_2_res", "gemma_2"),
  convertCase("gemma_2_embedding", "gemma_2"),
  convertCase("sparsify", "sparsify"),
  convertCase("llama_scope"),
  convertCase("dictionary_learning_topk"),
  convertCase("mwhanna_transcoder"),
];

beforeAll(async () => {
  for (const name of readdirSync(join(FIXTURES, "convert"))) {
    const e = JSON.parse(readFileSync(join(FIXTURES, "convert", name, "expected.json"), "utf8"));
    hub.putFolder(e.repo_id, join(FIXTURES, "convert", name, "repo"));
  }
  const v5 = join(FIXTURES, "ckpt_v5_standard");
  for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) {
    const body = new Uint8Array(readFileSync(join(v5, f)));
    hub.put("jbloom/GPT2-Small-SAEs-Reformatted", `blocks.0.hook_resid_pre/${f}`, body);
  }
  server = await serveLoopback(hub.handle);
  endpoint = server.url;
});

afterAll(() => server.close());

describe("loadPretrainedSaeBytes (hubFetchBytes) equals loadPretrainedSae (hub cache on disk)", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const device = await getDevice();
      const hub = { endpoint, token: false as const };
      const resolved = resolvePretrained(c.release, c.saeId, c.conversion);
      const r = c.overrides ? { ...resolved, overrides: c.overrides } : resolved;
      const cacheDir = () => mkdtempSync(join(tmpdir(), "sae-hub-"));
      const disk = await convertPretrained(r, hubDiskFiles(r, { ...hub, cacheDir: cacheDir() }));
      const bytes = await convertPretrained(r, hubBytesFiles(r, { ...hub, cache: new MemoryHubCache() }));
      expect(bytes.cfg).toEqual(disk.cfg);
      expect(bytes.extra).toEqual(disk.extra);
      expect(bytes.sparsity === null ? null : Array.from(bytes.sparsity)).toEqual(
        disk.sparsity === null ? null : Array.from(disk.sparsity),
      );
      expect(Object.keys(bytes.host).sort()).toEqual(Object.keys(disk.host).sort());
      for (const [k, v] of Object.entries(disk.host)) assertClose(`${c.name} ${k}`, bytes.host[k], v, 0, 0);

      // the loaders themselves where the registry's overrides apply; the converted hosts elsewhere
      const [viaBytes, viaDisk] = c.overrides
        ? [Sae.fromFolder(bytes, device), Sae.fromFolder(disk, device)]
        : [
            await loadPretrainedSaeBytes(c.release, c.saeId, device, { ...hub, conversion: c.conversion }),
            await loadPretrainedSae(c.release, c.saeId, device, {
              ...hub,
              cacheDir: cacheDir(),
              conversion: c.conversion,
            }),
          ];
      const exp = loadSafetensorsFile(c.expected).tensors;
      const xs = exp.get("x") as { shape: number[]; data: Float32Array };
      const x = Tensor.from(device, [xs.data.length / viaBytes.cfg.d_in, viaBytes.cfg.d_in], xs.data); // [batch, d_in]
      const [fb, fd] = [await viaBytes.encode(x), await viaDisk.encode(x)]; // [batch, d_sae]
      const got = await fb.read();
      assertClose(`${c.name} encode, bytes vs disk`, got, await fd.read(), 0, 0);
      const want = (exp.get("acts") ?? exp.get("feature_acts"))!.data as Float32Array;
      if (viaBytes.cfg.dtype !== "bfloat16") assertClose(`${c.name} encode vs SAELens`, got, want, 1e-5, 1e-5);
      expect(got.some((v) => v > 0)).toBe(true);
      for (const t of [x, fb, fd]) t.dispose();
      viaBytes.dispose();
      viaDisk.dispose();
    });
  }
});

describe("loadPretrainedSaeBytes: cache and errors", () => {
  test("a MemoryHubCache answers a pinned revision without any request; offline reads only the cache", async () => {
    const cache = new MemoryHubCache();
    const o = { endpoint, token: false as const, cache, revision: COMMIT };
    const first = await pretrainedHostBytes("llama_scope_lxr_8x", "l7r_8x", o);
    expect(cache.size).toBe(2); // hyperparams.json, checkpoints/final.safetensors
    const before = server.requests.length;
    const again = await pretrainedHostBytes("llama_scope_lxr_8x", "l7r_8x", o);
    const offline = await pretrainedHostBytes("llama_scope_lxr_8x", "l7r_8x", { ...o, offline: true });
    expect(server.requests.length).toBe(before);
    for (const h of [again, offline]) assertClose("W_enc", h.host.W_enc, first.host.W_enc, 0, 0);
  });

  test("an SAE folder the hub lacks: NotFoundError naming the repo, file and URL", async () => {
    const err = await pretrainedHostBytes("someone/none", "layer0", { endpoint, token: false, retries: 0 }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain("someone/none/layer0/cfg.json at revision 'main' not found: HTTP 404");
    expect((err as Error).message).toContain(`${endpoint}/someone/none/resolve/main/layer0/cfg.json`);
  });
});
