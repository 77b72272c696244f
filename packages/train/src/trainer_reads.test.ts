// Training steps read nothing back unless they report metrics: 3 Trainer steps of every architecture on the dense
// path (d_sae 512, k 2, no binding cap; dead_feature_window 1, so the last two are past it and the TopK family's aux-k
// runs on the device's dead mask) with device.readBuffer (under every Tensor.read) counted: 0 reads, then a metrics
// step reads (and reports dead latents for the TopK family). BatchTopK's threshold, logged on the device and settled
// at the metrics step, equals a run that settles it after every step (logEvery 1), bit for bit, and so does the loss.
import { describe, expect, test } from "bun:test";
import { getDevice, Rng } from "@sae/tensor-core";
import { ARCHITECTURE_NAMES, Sae, type ArchitectureName } from "@sae/core";
import { resolveConfig } from "./config.ts";
import { Trainer } from "./trainer.ts";

const [D_IN, D_SAE, BATCH, K, STEPS] = [16, 512, 32, 2, 3];

function saeCfg(architecture: ArchitectureName) {
  const widths = architecture === "matryoshka_batchtopk" ? { matryoshka_widths: [128, D_SAE] } : {};
  return { architecture, d_in: D_IN, d_sae: D_SAE, k: K, ...widths };
}

async function trainRun(architecture: ArchitectureName, xs: Float32Array[], logEvery: number) {
  const device = await getDevice();
  const run = { train_batch_size_tokens: BATCH, training_tokens: BATCH * 10, dead_feature_window: 1 };
  const cfg = resolveConfig({ ...saeCfg(architecture), ...run });
  const sae = Sae.create(device, saeCfg(architecture), 3);
  const trainer = new Trainer({ cfg, device, sae, totalSteps: 10, logEvery });
  const readBuffer = device.readBuffer;
  let reads = 0;
  device.readBuffer = (...a: Parameters<typeof readBuffer>) => (reads++, readBuffer.apply(device, a));
  const perStep: number[] = [];
  const losses: number[] = [];
  let dead = 0;
  try {
    for (const x of xs.slice(0, STEPS)) {
      const m = await trainer.trainStep(x);
      if (m) losses.push(m.loss);
      perStep.push(reads);
      reads = 0;
    }
    const m = await trainer.trainStep(xs[STEPS], true);
    losses.push(m!.loss);
    dead = m!.dead_features;
    perStep.push(reads);
  } finally {
    device.readBuffer = readBuffer;
  }
  const threshold = sae.topkThreshold;
  trainer.dispose();
  sae.dispose();
  return { perStep, losses, threshold, dead };
}

describe("no readback in a training step without metrics (dense path)", () => {
  const rng = new Rng(21);
  const xs = Array.from({ length: STEPS + 1 }, () => rng.normalArray(BATCH * D_IN, 1));
  for (const arch of ARCHITECTURE_NAMES) {
    test(`${arch}: ${STEPS} steps read nothing back; the metrics step reads; same as settling every step`, async () => {
      const got = await trainRun(arch, xs, 1000);
      expect(got.perStep.slice(0, STEPS)).toEqual(new Array(STEPS).fill(0));
      expect(got.perStep[STEPS]).toBeGreaterThan(0);
      const every = await trainRun(arch, xs, 1);
      expect(got.losses.at(-1)).toBe(every.losses.at(-1)!);
      expect(got.threshold).toBe(every.threshold);
      if (arch.includes("topk")) expect(got.dead).toBeGreaterThan(0);
      if (arch.includes("batchtopk")) expect(got.threshold).toBeGreaterThan(0);
      else expect(got.threshold).toBeNull();
    });
  }
});
