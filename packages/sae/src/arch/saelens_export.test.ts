// What Sae.save writes for a training SAE against the inference checkpoint SAELens 6.18 exports from the same state
// (save_inference_model -> SAE.load_from_disk, fixtures/saelens/training.json): BatchTopK and Matryoshka as JumpReLU
// with the running threshold, rescale_acts_by_decoder_norm folded into the weights, JumpReLU's log_threshold as
// threshold. The weights file, the architecture, and encode / decode after loading it back, within 1e-5 abs + 1e-4 rel.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae } from "../sae.ts";
import { ATOL, configOf, f32, paramsOf, RTOL, saeLensGoldens, scalarOf } from "../saelens_fixtures.ts";
import { loadSae } from "../load.ts";
import { saveSae } from "../checkpoint.ts";

describe("saved checkpoints vs SAELens 6.18 save_inference_model", () => {
  for (const c of saeLensGoldens().training_cases) {
    test(c.name, async () => {
      const device = await getDevice();
      const sae = Sae.fromHost(device, configOf(c.architecture, c.config), paramsOf(c.params));
      const t = c.output.buffers_after.topk_threshold;
      if (t) sae.topkThreshold = scalarOf(t);
      const dir = mkdtempSync(join(tmpdir(), "sae-export-"));
      await saveSae(sae, dir);
      const e = c.export;
      const cfg = JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8"));
      expect(cfg.architecture).toBe(e.architecture);
      if (e.architecture === "topk") expect(cfg.rescale_acts_by_decoder_norm).toBe(e.rescale_acts_by_decoder_norm);
      const file = loadSafetensorsFile(join(dir, "sae_weights.safetensors")).tensors;
      expect([...file.keys()].sort()).toEqual(Object.keys(e.state_dict).sort());
      for (const [k, v] of Object.entries(e.state_dict)) assertClose(`${c.name} ${k}`, file.get(k)!.data as Float32Array, f32(v), RTOL, ATOL);
      const back = loadSae(dir, device);
      const x = Tensor.from(device, c.input.sae_in.shape, f32(c.input.sae_in));
      const f = await back.encode(x);
      assertClose(`${c.name} encode`, await f.read(), f32(e.encode), RTOL, ATOL);
      assertClose(`${c.name} decode`, await back.decode(f).read(), f32(e.decode), RTOL, ATOL);
      for (const s of [sae, back]) s.dispose();
      x.dispose();
    });
  }
});

test("a JumpReLU checkpoint with thresholds <= 0 loads without NaN: f = ReLU(pre) * (pre > t), as SAELens's JumpReLUSAE", async () => {
  const device = await getDevice();
  const dir = mkdtempSync(join(tmpdir(), "sae-negthr-"));
  const [d_in, d_sae] = [2, 3];
  writeFileSync(join(dir, "cfg.json"), JSON.stringify({ architecture: "jumprelu", d_in, d_sae, apply_b_dec_to_input: false }));
  const W_enc = Float32Array.from([1, -1, 0.5, 0.25, 1, -2]); // [d_in, d_sae]
  const threshold = Float32Array.from([-0.5, 0, 0.3]);
  saveSafetensorsFile(join(dir, "sae_weights.safetensors"), {
    W_enc: { shape: [d_in, d_sae], data: W_enc },
    b_enc: { shape: [d_sae], data: new Float32Array(d_sae) },
    W_dec: { shape: [d_sae, d_in], data: new Float32Array(d_sae * d_in).fill(1) },
    b_dec: { shape: [d_in], data: new Float32Array(d_in) },
    threshold: { shape: [d_sae], data: threshold },
  });
  const sae = loadSae(dir, device);
  const xs = Float32Array.from([0.2, 0.4, -0.3, 0.1, 1, 1]); // [3, d_in]
  const want = new Float32Array(3 * d_sae);
  for (let b = 0; b < 3; b++) {
    for (let i = 0; i < d_sae; i++) {
      const pre = xs[b * d_in] * W_enc[i] + xs[b * d_in + 1] * W_enc[d_sae + i];
      want[b * d_sae + i] = Math.max(pre, 0) * (pre > threshold[i] ? 1 : 0);
    }
  }
  const x = Tensor.from(device, [3, d_in], xs);
  const f = await (await sae.encode(x)).read();
  expect(f.every(Number.isFinite)).toBe(true);
  assertClose("encode", f, want, 1e-6, 1e-7);
  sae.dispose();
  x.dispose();
});
