// TopK training with the encoder GEMM and top-k in row blocks (topk/blocks.ts): on a device whose bindings are capped
// at 256 KiB, [450, 512] pre-activations (900 KiB) are never made whole; forward values, losses, every gradient and
// the on-demand hidden_pre match the float64 CPU reference, and the step's peak device memory stays under the dense
// [batch, d_sae] tensor it avoids. Tolerance as topk/sparse.test.ts.
import { describe, expect, test } from "bun:test";
import { Device, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { cpuTrainStep } from "../../cpu/reference.ts";
import { Sae } from "../../sae.ts";
import { selectsInBlocks } from "./blocks.ts";

const [RTOL, ATOL] = [2e-4, 2e-4];
const [B, D_IN, D_SAE, K] = [450, 32, 512, 8];

describe("TopK selecting in row blocks", async () => {
  const device = await Device.create({ maxBindingBytes: 256 * 1024 });

  for (const rescale of [false, true]) {
    test(`rescale_acts_by_decoder_norm ${rescale}: matches the CPU reference with no dense pre`, async () => {
      const sae = Sae.create(device, { architecture: "topk", d_in: D_IN, d_sae: D_SAE, k: K, rescale_acts_by_decoder_norm: rescale }, 7);
      const names = Object.keys(sae.params);
      const params: Record<string, Float64Array> = {};
      for (const n of names) params[n] = Float64Array.from(await sae.params[n].read());
      const xs = new Rng(3).normalArray(B * D_IN, 1);
      const x = Tensor.from(device, [B, D_IN], xs);
      const ctx = { deadMask: new Float32Array(D_SAE) };
      expect(selectsInBlocks(sae, B, ctx)).toBe(true);
      const ref = cpuTrainStep(sae.cfg, params, xs, B, ctx);
      device.pool.resetPeak();
      const live = device.memory().liveBytes;
      const out = await sae.trainForward(x, ctx);
      expect(device.memory().peakBytes - live).toBeLessThan((B * D_SAE * 4) / 2); // no [batch, d_sae] tensor was made
      assertClose("sae_out", await out.saeOut.read(), ref.saeOut, RTOL, ATOL);
      assertClose("loss", await out.loss.read(), [ref.loss], 1e-5, 1e-4);
      assertClose("feature_acts", await out.featureActs.read(), ref.featureActs, RTOL, ATOL);
      assertClose("hidden_pre (made on demand)", await out.hiddenPre.read(), ref.hiddenPre, RTOL, ATOL);
      const grads = sae.backward();
      for (const n of names) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
      for (const t of Object.values(grads)) t.dispose();
      sae.dispose();
      x.dispose();
    }, 120_000);
  }
});
