// Every SAELens 6.18 conversion against the fixtures scripts/make_convert_fixtures.py writes: a tiny SAE in the
// conversion's own file format (fixtures/convert/<case>/repo/, at its repo-relative paths) and what SAELens's own
// loader function plus SAE.from_pretrained's steps made of it (expected.json: cfg; expected.safetensors: every
// parameter as SAELens holds it, an input x and SAELens's encode(x)). Each case checks the files the converter
// declares, the cfg fields, every parameter and the encode output on the GPU.
import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { CheckpointError } from "../errors.ts";
import { Sae } from "../sae.ts";
import { FIXTURES } from "../test_fixtures.ts";
import { buildHostSae } from "./build.ts";
import { CONVERSIONS, type ConversionName } from "./registry.ts";
import { localFile } from "./local_file.ts";
import { loadSparsifyDir } from "./sparsify_dir.ts";
import type { ConvertContext, SourceFile } from "./types.ts";

const DIR = join(FIXTURES, "convert");
const CASES = readdirSync(DIR).sort();

interface Expected {
  conversion: ConversionName;
  repo_id: string;
  path: string;
  overrides: Record<string, unknown>;
  norm_scaling_factor: number | null;
  cfg: Record<string, unknown>;
}

/** A ConvertContext over the case's repo folder, recording what the converter asked for. */
export function localContext(repoDir: string, e: Expected): { ctx: ConvertContext; asked: string[] } {
  const asked: string[] = [];
  const read = async (f: string): Promise<SourceFile> => {
    asked.push(f);
    const p = join(repoDir, f);
    if (!existsSync(p)) throw new CheckpointError(`${p}: not in the fixture repo`);
    return localFile(p);
  };
  const optional = async (f: string): Promise<SourceFile | null> =>
    existsSync(join(repoDir, f)) ? read(f) : (asked.push(f), null);
  const local = async (f: string): Promise<SourceFile | null> =>
    existsSync(join(repoDir, f)) ? localFile(join(repoDir, f)) : null;
  const snapshotName = async () => basename(repoDir);
  const ctx = { repoId: e.repo_id, path: e.path, overrides: e.overrides, read, optional, local, snapshotName };
  return { ctx, asked };
}

const OUR_ARCH: Record<string, string> = { transcoder: "standard", jumprelu_transcoder: "jumprelu" };

describe("SAELens conversions (fixtures written in each format, expected values from SAELens's loaders)", () => {
  // sae_lens and connor_rob_hook_z are tested in pretrained.test.ts / convert_hook_z.test.ts.
  test("there is a case for every other conversion", () => {
    const covered = new Set<string>(
      CASES.map((c) => (JSON.parse(readFileSync(join(DIR, c, "expected.json"), "utf8")) as Expected).conversion),
    );
    expect([...covered].sort()).toEqual(
      Object.keys(CONVERSIONS)
        .filter((k) => k !== "sae_lens" && k !== "connor_rob_hook_z")
        .sort(),
    );
  });

  for (const name of CASES) {
    test(`${name}: files, cfg, parameters and encode match SAELens`, async () => {
      const e = JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) as Expected;
      const exp = loadSafetensorsFile(join(DIR, name, "expected.safetensors")).tensors;
      const get = (k: string): Float32Array => exp.get(k)?.data as Float32Array;
      const converter = CONVERSIONS[e.conversion];
      const { ctx, asked } = localContext(join(DIR, name, "repo"), e);
      const h = buildHostSae(await converter.load(ctx), `${e.repo_id}/${e.path}`, e.norm_scaling_factor ?? undefined);

      const files = converter.files(e.repo_id, e.path);
      for (const f of asked) expect([...files.required, ...files.optional]).toContain(f);
      for (const f of files.required) expect(asked).toContain(f);

      const c = e.cfg;
      expect(h.cfg.architecture).toBe(
        (OUR_ARCH[c.architecture as string] ?? c.architecture) as typeof h.cfg.architecture,
      );
      if (c.architecture !== h.cfg.architecture) expect(h.extra.transcoder).toBe(c.architecture);
      for (const k of [
        "d_in",
        "d_sae",
        "dtype",
        "apply_b_dec_to_input",
        "normalize_activations",
        "k",
        "model_name",
        "hook_name",
        "context_size",
        "dataset_path",
        "prepend_bos",
        "neuronpedia_id",
      ] as const) {
        const want = k === "dataset_path" && c[k] === null ? "" : c[k]; // our config spells an unknown dataset ""
        expect([k, h.cfg[k]]).toEqual([k, want as never]);
      }
      for (const k of ["hook_name_out", "d_out"]) if (c[k] !== null) expect([k, h.extra[k]]).toEqual([k, c[k]]);

      const params = [...exp.keys()].filter((k) => k.startsWith("param.")).map((k) => k.slice(6));
      expect(params.sort()).toEqual(
        Object.keys(h.host)
          .map((k) => (k === "log_threshold" ? "threshold" : k))
          .sort(),
      );
      // bfloat16 SAEs: the norm-factor fold rounds once more, and torch versions round that scalar op differently
      // (1.13: the scalar cast to bf16 first; 2.x: multiply by the f32 reciprocal, as here): one bf16 ulp apart.
      const rtol = h.cfg.dtype === "bfloat16" && e.norm_scaling_factor !== null ? 2 ** -7 : 2e-6;
      for (const p of params) {
        const ours = p === "threshold" ? h.host.log_threshold.map(Math.exp) : h.host[p];
        assertClose(`${name} ${p}`, ours, get(`param.${p}`), rtol, 1e-7);
      }

      const device = await getDevice();
      const sae = Sae.fromHost(device, h.cfg, h.host);
      const xs = exp.get("x") as { shape: number[]; data: Float32Array };
      const x = Tensor.from(device, xs.shape, xs.data);
      const f = await sae.encode(x);
      const got = (await f.read()) as Float32Array;
      if (rtol === 2e-6) assertClose(`${name} encode`, got, get("acts"), 1e-5, 1e-5);
      else {
        // One bf16 ulp per folded weight: |pre-activation difference| <= 2^-7 * sum_j |x_j W_enc[j, i]| (+ b_enc).
        const [B, d_in, d_sae] = [xs.shape[0], h.cfg.d_in, h.cfg.d_sae];
        const want = get("acts");
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < d_sae; i++) {
            let bound = 1e-5 + 2 ** -8 * Math.abs(h.host.b_enc[i]);
            for (let j = 0; j < d_in; j++)
              bound += 2 ** -7 * Math.abs(xs.data[b * d_in + j] * h.host.W_enc[j * d_sae + i]);
            if (got[b * d_sae + i] > 0 !== want[b * d_sae + i] > 0)
              throw new Error(`${name}: active set differs at [${b}, ${i}]`);
            const diff = Math.abs(got[b * d_sae + i] - want[b * d_sae + i]);
            if (diff > bound)
              throw new Error(`${name} encode [${b}, ${i}]: ${got[b * d_sae + i]} vs ${want[b * d_sae + i]}`);
          }
        }
      }
      for (const t of [x, f]) t.dispose();
      sae.dispose();
    });
  }

  test("sparsify: W_dec in sparsify's own layout [d_sae, d_in] is used as stored (SAELens 6.18 transposes it)", () => {
    const src = join(DIR, "sparsify", "repo", "layers.3");
    const dir = join(mkdtempSync(join(tmpdir(), "sae-sparsify-")), "layers.3");
    mkdirSync(dir);
    copyFileSync(join(src, "cfg.json"), join(dir, "cfg.json"));
    const w = loadSafetensorsFile(join(src, "sae.safetensors")).tensors;
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [k, t] of w) out[k] = { shape: [...t.shape], data: t.data as Float32Array };
    const [d_in, d_sae] = out.W_dec.shape;
    const real = new Float32Array(d_in * d_sae);
    for (let i = 0; i < d_in; i++) for (let j = 0; j < d_sae; j++) real[j * d_in + i] = out.W_dec.data[i * d_sae + j];
    out.W_dec = { shape: [d_sae, d_in], data: real };
    saveSafetensorsFile(join(dir, "sae.safetensors"), out);
    const h = buildHostSae({ ...loadSparsifyDir(dir, {}), sparsity: null }, dir);
    const exp = loadSafetensorsFile(join(DIR, "sparsify", "expected.safetensors")).tensors;
    assertClose("W_dec", h.host.W_dec, exp.get("param.W_dec")?.data as Float32Array, 0, 0);
  });
});
