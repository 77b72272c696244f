// The TopK family's row-blocked training (sae arch/topk/blocks.ts, arch/batchtopk/blocks.ts) in the Trainer, with
// W_enc [100, 1024] (400 KB) and the [256, 1024] scores (1 MiB) over a 256 KiB binding (device.run refuses any
// binding over it): 4 steps of topk, batchtopk and matryoshka_batchtopk (Adam, decoder renorm, dead-latent stats;
// dead_feature_window 1, so the last steps carry the aux-k term over dead latents) give the losses, parameters and
// BatchTopK threshold of the same run on the uncapped device, which takes the dense path; the SAE saved under the
// cap (SAELens folder) loads back under it and encodes as before saving. Tolerance as test/binding_cap.test.ts.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device, getDevice, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae, type ArchitectureName } from "@sae/core";
import { loadSae, saveSae } from "@sae/core/node";
import { resolveConfig } from "./config.ts";
import { Trainer } from "./trainer.ts";

const CAP = 256 * 1024;
const [D_IN, D_SAE, BATCH, K, STEPS] = [100, 1024, 256, 8, 4];
const [RTOL, ATOL] = [2e-4, 2e-4];

const plain = await getDevice();
const capped = await Device.create({ maxBindingBytes: CAP });

function saeCfg(architecture: ArchitectureName) {
  const widths = architecture === "matryoshka_batchtopk" ? { matryoshka_widths: [256, D_SAE] } : {};
  return { architecture, d_in: D_IN, d_sae: D_SAE, k: K, ...widths };
}

async function trainRun(device: Device, architecture: ArchitectureName, xs: Float32Array[]) {
  const run = { train_batch_size_tokens: BATCH, training_tokens: BATCH * STEPS, dead_feature_window: 1 };
  const cfg = resolveConfig({ ...saeCfg(architecture), ...run });
  const sae = Sae.create(device, saeCfg(architecture), 5);
  const trainer = new Trainer({ cfg, device, sae, totalSteps: STEPS, logEvery: 1 });
  const losses: number[] = [];
  for (const x of xs) losses.push((await trainer.trainStep(x, true))!.loss);
  const params: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(sae.params)) params[n] = (await t.read()) as Float32Array;
  const dead = trainer.deadMask.reduce((a, b) => a + b, 0);
  return { losses, params, threshold: sae.topkThreshold, dead, sae, trainer };
}

describe("TopK-family training in row blocks under a 256 KiB binding cap", () => {
  test("the shapes are over one binding", () => {
    for (const n of [D_IN * D_SAE, BATCH * D_SAE]) expect(n * 4).toBeGreaterThan(capped.maxBinding);
  });
  const rng = new Rng(13);
  const xs = Array.from({ length: STEPS }, () => rng.normalArray(BATCH * D_IN, 1));
  for (const arch of ["topk", "batchtopk", "matryoshka_batchtopk"] as const) {
    test(`${arch}: ${STEPS} steps equal the uncapped (dense) run; saved, it loads and encodes alike`, async () => {
      const want = await trainRun(plain, arch, xs);
      const got = await trainRun(capped, arch, xs);
      expect(got.dead).toBeGreaterThan(0); // aux-k ran over dead latents
      expect(got.dead).toBe(want.dead);
      assertClose(`${arch} losses`, got.losses, want.losses, RTOL, ATOL);
      for (const n of Object.keys(want.params)) assertClose(`${arch} ${n}`, got.params[n], want.params[n], RTOL, ATOL);
      const threshold = [got.threshold ?? NaN];
      if (arch !== "topk") assertClose(`${arch} threshold`, threshold, [want.threshold ?? NaN], RTOL, 1e-7);
      const dir = mkdtempSync(join(tmpdir(), "sae-blocks-"));
      try {
        const x = Tensor.from(capped, [BATCH, D_IN], xs[0]);
        const before = await got.sae.encode(x);
        await saveSae(got.sae, dir);
        const loaded = loadSae(dir, capped);
        const after = await loaded.encode(x);
        assertClose(`${arch} encode after save/load`, await after.read(), await before.read(), 1e-5, 1e-5);
        for (const t of [x, before, after]) t.dispose();
        loaded.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      for (const r of [want, got]) {
        r.trainer.dispose();
        r.sae.dispose();
      }
    }, 300_000);
  }
});
