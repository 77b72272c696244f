// BatchTopK and Matryoshka BatchTopK training with the selection in row blocks (batchtopk/blocks.ts): on a device
// whose bindings are capped at 1 MiB, [1000, 4096] scores (16 MiB) are never made whole; the kept activations, the
// running threshold update, every loss term (inner_mse_loss_<w>, aux-k over dead latents), every gradient and the
// on-demand hidden_pre match the float64 CPU reference (cpu/reference.ts, the same one the SAELens goldens check),
// and match the uncapped dense step (loud cases). Loud cases scale one or two rows (x2.5, x3.5) so each holds more
// of the batch's selection than the first candidates (256 per row; the x3.5 row over 512, so it widens twice): only
// those rows widen and the result stays exact. The pairs come in pair rows [batch + extra, W] (pair_rows.ts: W the
// most kept in a quiet row, 204-223; two loud rows' 404 and 842 kept over 2 and 5 rows), so the whole step's peak
// (selection, pair step, backward, gradients) stays under the dense scores, under half of them for BatchTopK, and
// within 10% of the same architecture's case without loud rows. Measured (MiB; dense 15.6): batchtopk 4.2 / 5.7
// none, 5.0 one, 4.6 two loud; matryoshka 10.1 none, 10.0 two loud. Before the pair rows ([batch, the most kept in
// a row]: 842 with the x3.5 row) the forward alone took 8.1 (one), 9.8 (two) and 22.9 (matryoshka two).
import { describe, expect, test } from "bun:test";
import { Device, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { cpuTrainStep } from "../../cpu/reference.ts";
import { Sae } from "../../sae.ts";
import { selectsInBlocks } from "../topk/blocks.ts";
import type { ArchitectureName } from "../registry.ts";

const [RTOL, ATOL] = [2e-4, 2e-4];
const [D_IN, D_SAE, K] = [16, 4096, 8];

async function readAll(ts: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(ts)) out[n] = (await t.read()) as Float32Array;
  return out;
}

describe("BatchTopK selecting in row blocks", async () => {
  const device = await Device.create({ maxBindingBytes: 1024 * 1024 });
  const uncapped = await Device.create();
  const quietPeak: Record<string, number> = {}; // per architecture, the largest step peak without loud rows
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
      const forward = device.memory().peakBytes - live;
      const grads = sae.backward();
      const peak = device.memory().peakBytes - live; // the whole step: selection, pair step, backward, gradients
      const mib = (v: number) => `${(v / 2 ** 20).toFixed(2)} MiB`;
      const W = Math.max(...kept.filter((v) => v <= 256)); // pair rows: the most kept in a quiet row
      const P = B + kept.reduce((a, c) => a + Math.max(0, Math.ceil(c / W) - 1), 0); // loud rows over several
      console.log(`${what}: peak ${mib(forward)} forward, ${mib(peak)} step; pairs [${P}, ${W}]; dense scores ` +
        mib(B * D_SAE * 4));
      expect(out.active?.indices.shape).toEqual([P, W]);
      const dense = B * D_SAE * 4;
      expect(peak).toBeLessThan(architecture === "batchtopk" ? dense / 2 : dense); // loud rows or not
      if (loud === "none") quietPeak[architecture] = Math.max(quietPeak[architecture] ?? 0, peak);
      else expect(peak).toBeLessThan(1.1 * quietPeak[architecture]); // loud rows do not grow the step
      assertClose("topk_threshold", [sae.topkThreshold ?? NaN], [ref.topkThreshold ?? NaN], 1e-5, 1e-7);
      assertClose("sae_out", await out.saeOut.read(), ref.saeOut, RTOL, ATOL);
      expect(Object.keys(out.losses).sort()).toEqual(Object.keys(ref.losses).sort());
      for (const [n, v] of Object.entries(ref.losses)) assertClose(n, await out.losses[n].read(), [v], 1e-5, 1e-4);
      assertClose("loss", await out.loss.read(), [ref.loss], 1e-5, 1e-4);
      assertClose("feature_acts", await out.featureActs.read(), ref.featureActs, RTOL, ATOL);
      assertClose("hidden_pre (made on demand)", await out.hiddenPre.read(), ref.hiddenPre, RTOL, ATOL);
      for (const n of names) assertClose(`grad.${n}`, await grads[n].read(), ref.grads[n], RTOL, ATOL);
      if (loud !== "none") {
        // the uncapped device takes the dense step (dense scores, familyStep): the same values
        const fwd = await readAll({ loss: out.loss, ...out.losses, saeOut: out.saeOut, featureActs: out.featureActs });
        const got: Record<string, Float32Array> = { ...fwd, ...(await readAll(grads)) };
        got.threshold = Float32Array.of(sae.topkThreshold ?? NaN);
        const plain = Sae.create(uncapped, cfg, 11);
        plain.topkThreshold = 0.25;
        for (const n of names) expect(await plain.params[n].read()).toEqual(await sae.params[n].read());
        const ux = Tensor.from(uncapped, [B, D_IN], xs);
        expect(selectsInBlocks(plain, B)).toBe(false);
        const o = await plain.trainForward(ux, { deadMask });
        const want = await readAll({ loss: o.loss, ...o.losses, saeOut: o.saeOut, featureActs: o.featureActs });
        const g = plain.backward();
        Object.assign(want, await readAll(g), { threshold: Float32Array.of(plain.topkThreshold ?? NaN) });
        expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
        for (const n of Object.keys(want)) assertClose(`${n} vs the uncapped dense step`, got[n], want[n], RTOL, ATOL);
        for (const t of [...Object.values(g), ux]) t.dispose();
        plain.dispose();
      }
      for (const t of Object.values(grads)) t.dispose();
      sae.dispose();
      x.dispose();
    }, 300_000);
  }
});
