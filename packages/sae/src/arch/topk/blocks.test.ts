// TopK training with the encoder GEMM, top-k and aux-k selections in row blocks (topk/blocks.ts): on a device whose
// bindings are capped at 256 KiB, [450, 1024] pre-activations (1.8 MiB) are never made whole; forward values, losses,
// every gradient and the on-demand hidden_pre match the float64 CPU reference, with no latent dead and with dead
// latents (aux-k over them per block: k_aux 16 in one round, 300 in two), and the step's peak device memory stays
// under half the dense [batch, d_sae] tensor it avoids (plus twice the aux-k pairs, which the term holds whole).
// Tolerance as topk/sparse.test.ts.
import { describe, expect, test } from "bun:test";
import { Device, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { cpuTrainStep } from "../../cpu/reference.ts";
import { Sae } from "../../sae.ts";
import { selectsInBlocks } from "./blocks.ts";

const [RTOL, ATOL] = [2e-4, 2e-4];
const [B, D_IN, D_SAE, K] = [450, 32, 1024, 8];

describe("TopK selecting in row blocks", async () => {
  const device = await Device.create({ maxBindingBytes: 256 * 1024 });
  const cases = [
    { rescale: false, dead: 0, kAux: null },
    { rescale: true, dead: 0, kAux: null },
    { rescale: false, dead: 7, kAux: null },
    { rescale: true, dead: 7, kAux: null },
    { rescale: true, dead: 1, kAux: 300 },
  ];
  for (const { rescale, dead, kAux } of cases) {
    const deadWhat = dead ? `dead latents, k_aux ${kAux ?? "d_in / 2"}` : "none dead";
    const what = `rescale_acts_by_decoder_norm ${rescale}, ${deadWhat}`;
    test(`${what}: matches the CPU reference with no dense pre`, async () => {
      const cfg = { architecture: "topk" as const, d_in: D_IN, d_sae: D_SAE, k: K, k_aux: kAux,
        rescale_acts_by_decoder_norm: rescale };
      const sae = Sae.create(device, cfg, 7);
      const names = Object.keys(sae.params);
      const params: Record<string, Float64Array> = {};
      for (const n of names) params[n] = Float64Array.from(await sae.params[n].read());
      const xs = new Rng(3).normalArray(B * D_IN, 1);
      const x = Tensor.from(device, [B, D_IN], xs);
      // dead: every 7th latent (or, with dead 1, all but every 10th: 921 dead for two aux rounds)
      const isDead = (i: number) => (dead === 7 ? i % 7 === 0 : dead ? i % 10 !== 0 : false);
      const deadMask = Float32Array.from({ length: D_SAE }, (_, i) => +isDead(i));
      const auxPairs = dead ? B * (kAux ?? D_IN / 2) * 8 : 0;
      const ctx = { deadMask };
      expect(selectsInBlocks(sae, B)).toBe(true);
      const ref = cpuTrainStep(sae.cfg, params, xs, B, ctx);
      if (dead) expect(ref.losses.auxiliary_reconstruction_loss).toBeGreaterThan(0);
      device.pool.resetPeak();
      const live = device.memory().liveBytes;
      const out = await sae.trainForward(x, ctx);
      // no dense [batch, d_sae]
      expect(device.memory().peakBytes - live).toBeLessThan((B * D_SAE * 4) / 2 + 2 * auxPairs);
      assertClose("sae_out", await out.saeOut.read(), ref.saeOut, RTOL, ATOL);
      for (const [n, v] of Object.entries(ref.losses)) assertClose(n, await out.losses[n].read(), [v], 1e-5, 1e-4);
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
