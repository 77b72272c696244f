// BatchTopK and Matryoshka BatchTopK training with the selection in row blocks (batchtopk/blocks.ts): on a device
// whose bindings are capped at 1 MiB, [1000, 4096] scores (16 MiB) are never made whole; the kept activations, the
// running threshold update, every loss term (inner_mse_loss_<w>, aux-k over dead latents), every gradient and the
// on-demand hidden_pre match the float64 CPU reference (cpu/reference.ts, the same one the SAELens goldens check),
// and peak device memory stays under half the dense tensor. Loud cases scale one or two rows (x2.5, x3.5) so each
// holds more of the batch's selection than the first candidates (256 per row; the x3.5 row over 512, so it widens
// twice): only those rows widen and the result stays exact. The pairs are [batch, the most kept in a row] (223
// without loud rows, 842 with the x3.5 row), so with loud rows the pair step's memory grows with the loudest row
// (no bound asserted here; the selection's own memory is bounded in ragged.test.ts).
import { describe, expect, test } from "bun:test";
import { Device, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { cpuTrainStep } from "../../cpu/reference.ts";
import { Sae } from "../../sae.ts";
import { selectsInBlocks } from "../topk/blocks.ts";
import type { ArchitectureName } from "../registry.ts";

const [RTOL, ATOL] = [2e-4, 2e-4];
const [D_IN, D_SAE, K] = [16, 4096, 8];

describe("BatchTopK selecting in row blocks", async () => {
  const device = await Device.create({ maxBindingBytes: 1024 * 1024 });
  const LOUD_ROWS: Record<string, Record<number, number>> = { none: {}, one: { 17: 2.5 }, two: { 17: 2.5, 613: 3.5 } };
  const cases: Array<{ architecture: ArchitectureName; rescale: boolean; dead: boolean; loud: string }> = [
    { architecture: "batchtopk", rescale: false, dead: false, loud: "none" },
    { architecture: "batchtopk", rescale: true, dead: true, loud: "none" },
    { architecture: "batchtopk", rescale: true, dead: false, loud: "one" },
    { architecture: "batchtopk", rescale: false, dead: true, loud: "two" },
    { architecture: "matryoshka_batchtopk", rescale: false, dead: true, loud: "none" },
    { architecture: "matryoshka_batchtopk", rescale: true, dead: false, loud: "two" },
  ];
  for (const { architecture, rescale, dead, loud } of cases) {
    const what = `${architecture}, rescale ${rescale}${dead ? ", dead latents" : ""}, loud rows: ${loud}`;
    test(`${what}: matches the CPU reference with no dense scores`, async () => {
      const B = 1000;
      const widths = architecture === "matryoshka_batchtopk" ? [300, 2000, D_SAE] : null;
      const cfg = { architecture, d_in: D_IN, d_sae: D_SAE, k: K, matryoshka_widths: widths,
        rescale_acts_by_decoder_norm: rescale };
      const sae = Sae.create(device, cfg, 11);
      sae.topkThreshold = 0.25;
      const names = Object.keys(sae.params);
      const params: Record<string, Float64Array> = {};
      for (const n of names) params[n] = Float64Array.from(await sae.params[n].read());
      const xs = new Rng(5).normalArray(B * D_IN, 1);
      const loudRows = Object.entries(LOUD_ROWS[loud]).map(([r, by]) => [Number(r), by]);
      for (const [r, by] of loudRows) for (let c = 0; c < D_IN; c++) xs[r * D_IN + c] *= by;
      const x = Tensor.from(device, [B, D_IN], xs);
      const deadMask = Float32Array.from({ length: D_SAE }, (_, i) => (dead ? +(i % 5 === 0) : 0));
      expect(selectsInBlocks(sae, B)).toBe(true);
      const ref = cpuTrainStep(sae.cfg, params, xs, B, { deadMask, topkThreshold: 0.25 });
      if (dead) expect(ref.losses.auxiliary_reconstruction_loss).toBeGreaterThan(0);
      const keptIn = (r: number) => ref.featureActs.subarray(r * D_SAE, (r + 1) * D_SAE).filter((v) => v > 0).length;
      const kept = Array.from({ length: B }, (_, r) => keptIn(r));
      for (const [r, by] of loudRows) expect(kept[r]).toBeGreaterThan(by > 3 ? 512 : 256);
      device.pool.resetPeak();
      const live = device.memory().liveBytes;
      const out = await sae.trainForward(x, { deadMask });
      const peak = device.memory().peakBytes - live;
      console.log(`${what}: peak ${(peak / 2 ** 20).toFixed(2)} MiB, dense scores ${(B * D_SAE * 4) / 2 ** 20} MiB`);
      if (loud === "none") expect(peak).toBeLessThan((B * D_SAE * 4) / 2); // no dense [batch, d_sae]
      expect(out.active?.indices.shape).toEqual([B, Math.max(...kept)]); // pairs: the most kept in a row
      assertClose("topk_threshold", [sae.topkThreshold ?? NaN], [ref.topkThreshold ?? NaN], 1e-5, 1e-7);
      assertClose("sae_out", await out.saeOut.read(), ref.saeOut, RTOL, ATOL);
      expect(Object.keys(out.losses).sort()).toEqual(Object.keys(ref.losses).sort());
      for (const [n, v] of Object.entries(ref.losses)) assertClose(n, await out.losses[n].read(), [v], 1e-5, 1e-4);
      assertClose("loss", await out.loss.read(), [ref.loss], 1e-5, 1e-4);
      assertClose("feature_acts", await out.featureActs.read(), ref.featureActs, RTOL, ATOL);
      assertClose("hidden_pre (made on demand)", await out.hiddenPre.read(), ref.hiddenPre, RTOL, ATOL);
      const grads = sae.backward();
      for (const n of names) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
      for (const t of Object.values(grads)) t.dispose();
      sae.dispose();
      x.dispose();
    }, 300_000);
  }
});
