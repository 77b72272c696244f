// loadPretrainedSae on real registry releases of every conversion whose files can be tiny (their sizes come from
// the files, not the names): a loopback hub serves each fixture's repo/ folder under the release's repo id, and the
// loaded SAE must equal what SAELens's whole SAE.from_pretrained_with_cfg_and_sparsity(release, id) made of the same
// files (scripts/make_convert_fixtures.py: the YAML's overrides, Neuronpedia id and norm_scaling_factor included).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae } from "../sae.ts";
import { FIXTURES } from "../test_fixtures.ts";
import { loadPretrainedSae } from "../pretrained_files.ts";

const DIR = join(FIXTURES, "convert");
interface Case {
  name: string;
  release: string;
  sae_id: string;
  repo_id: string;
  cfg: Record<string, unknown>;
}
const CASES: Case[] = readdirSync(DIR)
  .sort()
  .map((name) => ({ name, ...JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) }))
  .filter((c) => c.release !== null);
const hub = fakeHub("2".repeat(40));
let server: Loopback;
let endpoint = "";

beforeAll(async () => {
  for (const c of CASES) hub.putFolder(c.repo_id, join(DIR, c.name, "repo"));
  server = await serveLoopback(hub.handle);
  endpoint = server.url;
});

afterAll(() => server.close());

describe("loadPretrainedSae over a loopback hub, against SAELens's SAE.from_pretrained", () => {
  test("the cases cover seven releases of five conversions", () => {
    expect(CASES.length).toBe(7);
    expect(new Set(CASES.map((c) => (c as unknown as { conversion: string }).conversion)).size).toBe(5);
  });

  for (const c of CASES) {
    test(`${c.release} / ${c.sae_id}`, async () => {
      const device = await getDevice();
      const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
      const sae = await loadPretrainedSae(c.release, c.sae_id, device, { cacheDir, endpoint });
      for (const k of [
        "d_in",
        "d_sae",
        "hook_name",
        "model_name",
        "neuronpedia_id",
        "normalize_activations",
      ] as const) {
        expect([k, sae.cfg[k]]).toEqual([k, c.cfg[k] as never]);
      }
      const exp = loadSafetensorsFile(join(DIR, c.name, "expected.safetensors")).tensors;
      const get = (k: string): Float32Array => exp.get(k)?.data as Float32Array;
      const bf16 = sae.cfg.dtype === "bfloat16";
      assertClose(`${c.name} W_dec`, await sae.W_dec.read(), get("param.W_dec"), bf16 ? 2 ** -7 : 2e-6, 1e-7);
      if (bf16) return sae.dispose(); // encode under bf16 folding: convert.test.ts bounds it per element
      const xs = exp.get("x") as { shape: number[]; data: Float32Array };
      const x = Tensor.from(device, xs.shape, xs.data);
      const f = await sae.encode(x);
      assertClose(`${c.name} encode`, await f.read(), get("acts"), 1e-5, 1e-5);
      for (const t of [x, f]) t.dispose();
      sae.dispose();
    });
  }
});
