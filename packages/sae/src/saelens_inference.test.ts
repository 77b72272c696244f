// Inference against SAELens 6.18's own classes (fixtures/saelens_inference.json, scripts/saelens_inference_goldens.py):
// each SAE is written as SAELens would store it (cfg.json = its cfg.to_dict(), sae_weights.safetensors = its
// state dict) and loaded through loadSae, so the checkpoint mapping is under test too. encode/decode of x, encode
// of a [batch, pos, d_in] input, fold_W_dec_norm, and every training architecture's inference export (BatchTopK and
// Matryoshka BatchTopK come back as JumpReLU) must agree within 1e-5 abs / 1e-4 rel.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Tensor } from "@sae/tensor-core";
import { saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae } from "./sae.ts";
import { loadSae } from "./load.ts";

interface Enc {
  shape: number[];
  data: (number | string)[];
}
const f32 = (t: Enc) => Float32Array.from(t.data, (v) => (typeof v === "number" ? v : Number(v)));
const fx = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/saelens_inference.json"), "utf8"));
const device = await getDevice();
const close = (what: string, got: ArrayLike<number>, want: Enc) => assertClose(what, got, f32(want), 1e-4, 1e-5);

function writeSaeLens(cfg: unknown, state: Record<string, Enc>): string {
  const dir = mkdtempSync(join(tmpdir(), "saelens-inf-"));
  writeFileSync(join(dir, "cfg.json"), JSON.stringify(cfg));
  saveSafetensorsFile(join(dir, "sae_weights.safetensors"), Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { shape: v.shape, data: f32(v) }])));
  return dir;
}

async function run(sae: Sae, x: Enc): Promise<{ f: Float32Array; out: Float32Array }> {
  const xt = Tensor.from(device, x.shape, f32(x));
  const f = await sae.encode(xt);
  const out = sae.decode(f);
  const r = { f: (await f.read()) as Float32Array, out: (await out.read()) as Float32Array };
  for (const t of [xt, f, out]) t.dispose();
  return r;
}

describe("SAELens 6.18 inference SAEs (SAE.from_dict) load and run here", () => {
  for (const c of fx.inference) {
    test(c.name, async () => {
      const dir = writeSaeLens(c.config, c.params);
      const sae = loadSae(dir, device);
      const { f, out } = await run(sae, c.input.x);
      close(`${c.name} encode`, f, c.output.encode);
      close(`${c.name} decode`, out, c.output.decode);
      // the same rows as [2, batch / 2, d_in]: encode keeps the leading shape
      const [B, d] = c.input.x.shape;
      const x3 = Tensor.from(device, [2, B / 2, d], f32(c.input.x));
      const f3 = await sae.encode(x3);
      expect(f3.shape).toEqual([2, B / 2, sae.cfg.d_sae]);
      const o3 = sae.decode(f3);
      expect(o3.shape).toEqual([2, B / 2, d]);
      close(`${c.name} encode [2, ${B / 2}, d_in]`, (await f3.read()) as Float32Array, c.output.encode);
      close(`${c.name} decode [2, ${B / 2}, d_in]`, (await o3.read()) as Float32Array, c.output.decode);
      for (const t of [x3, f3, o3]) t.dispose();
      const fold = c.fold_W_dec_norm;
      if (fold.raises) {
        await expect(sae.foldWDecNorm()).rejects.toThrow("fold_W_dec_norm: not safe for a TopK SAE without rescale_acts_by_decoder_norm");
        return;
      }
      await sae.foldWDecNorm();
      const host = await sae.toHost();
      for (const [k, v] of Object.entries(fold.state_dict_after as Record<string, Enc>)) {
        if (k === "threshold") close(`${c.name} folded threshold`, host.log_threshold.map(Math.exp), v);
        else close(`${c.name} folded ${k}`, host[k], v);
      }
      const folded = await run(sae, c.input.x);
      close(`${c.name} folded encode`, folded.f, fold.encode);
      close(`${c.name} folded decode`, folded.out, fold.decode);
      sae.dispose();
    });
  }
});

describe("SAELens 6.18 inference exports (save_inference_model) load and run here", () => {
  for (const c of fx.exports) {
    test(`${c.name} -> ${c.loaded_class.split(".").pop()}`, async () => {
      const sae = loadSae(writeSaeLens(c.cfg_json, c.state_dict), device);
      expect(sae.cfg.architecture).toBe(c.cfg_json.architecture);
      const { f, out } = await run(sae, c.sae_in);
      close(`${c.name} export encode`, f, c.encode);
      close(`${c.name} export decode`, out, c.decode);
      sae.dispose();
    });
  }
});
