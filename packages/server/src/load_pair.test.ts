// loadAnalysisPair with a pretrained `--sae <release>/<id>`: a loopback hub (@sae/hub/testing's fakeHub) serves one
// SAELens-format SAE folder sized for the bundled model, as a folder of a Hugging Face repo the registry does not
// list and as gpt2-small-res-jb's blocks.1.hook_resid_pre; the pair's SAE must equal the folder loaded from disk.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PretrainedNotFoundError, Sae } from "@sae/core";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { loadBundled } from "@sae/transformer/node";
import { loadAnalysisPair, NoSaeError } from "./load_pair.ts";
import { loadSae, saveSae } from "@sae/core/node";

const HOOK = "blocks.1.hook_resid_pre";
const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const device = await getDevice();
const D = (await loadBundled()).cfg.dModel;
const dir = mkdtempSync(join(tmpdir(), "sae-pair-"));
const hub = fakeHub(COMMIT);
let server: Loopback;
let endpoint = "";

beforeAll(async () => {
  const sae = Sae.create(device, { d_in: D, d_sae: 2 * D, architecture: "topk", k: 4, hook_name: HOOK }, 3);
  await saveSae(sae, dir);
  sae.dispose();
  for (const n of readdirSync(dir)) {
    const body = new Uint8Array(readFileSync(join(dir, n)));
    hub.put("someone/tiny-saes", `${HOOK}/${n}`, body);
    hub.put("jbloom/GPT2-Small-SAEs-Reformatted", `${HOOK}/${n}`, body);
  }
  server = await serveLoopback(hub.handle);
  endpoint = server.url;
});

afterAll(() => server.close());

async function features(sae: { encode(x: Tensor): Tensor | Promise<Tensor> }): Promise<Float32Array> {
  const x = Tensor.from(device, [3, D], Float32Array.from({ length: 3 * D }, (_, i) => Math.sin(i * 0.37)));
  const f = await sae.encode(x);
  const out = (await f.read()) as Float32Array;
  for (const t of [x, f]) t.dispose();
  return out;
}

describe("loadAnalysisPair --sae <release>/<id>", () => {
  test("a Hugging Face repo of SAELens folders and a registry release both load the served SAE", async () => {
    const want = loadSae(dir, device);
    const wantF = await features(want);
    for (const ref of [`someone/tiny-saes/${HOOK}`, `gpt2-small-res-jb/${HOOK}`]) {
      const hub = { endpoint, cacheDir: mkdtempSync(join(tmpdir(), "sae-hub-")), quiet: true };
      const pair = await loadAnalysisPair({ sae: ref, hub, device });
      expect(pair.saeDir).toBeNull();
      expect(pair.saeLabel).toBe(`topk SAE (d_sae ${2 * D}) at ${HOOK} from ${ref}`);
      expect(pair.sae.cfg.hook_name).toBe(HOOK);
      assertClose(`${ref} features`, await features(pair.sae), wantF, 0, 0);
    }
    want.dispose();
  });

  test("an unknown id of a release lists the valid ids; a path on neither disk nor hub is a NoSaeError", async () => {
    const hub = { endpoint, cacheDir: mkdtempSync(join(tmpdir(), "sae-hub-")), quiet: true };
    const p = loadAnalysisPair({ sae: "gpt2-small-res-jb/blocks.99.hook_resid_pre", hub, device });
    await expect(p).rejects.toThrow(PretrainedNotFoundError);
    const missing = loadAnalysisPair({ sae: "runs/typo/final", hub, device }); // neither a folder nor on the hub
    await expect(missing).rejects.toThrow(NoSaeError);
    await expect(loadAnalysisPair({ sae: "runs/typo/final", hub, device })).rejects.toThrow(/no such local folder/);
  });
});
