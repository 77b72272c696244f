// Resuming the TopK family's row-blocked training (sae arch/topk/blocks.ts, arch/batchtopk/blocks.ts) from a
// checkpoint under a 256 KiB binding cap ([256, 1024] scores: 1 MiB): 2 steps, writeCheckpoint, then a new SAE and
// Trainer from readState (paramsOf, restoreTrainer: Adam m and v, step, dead-latent statistics, BatchTopK threshold)
// take steps 3 and 4 and give the losses, parameters and threshold of the uninterrupted capped 4-step run exactly
// (same device, same kernels). The same resume with Adam's m and v zeroed instead does not (they are what matters).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device, Rng } from "@sae/tensor-core";
import { Sae, type ArchitectureName } from "@sae/core";
import { saveSae } from "@sae/core/node";
import { paramsOf, readState, restoreTrainer, writeCheckpoint } from "./checkpoint.ts";
import { resolveConfig } from "./config.ts";
import { Trainer } from "./trainer.ts";

const CAP = 256 * 1024;
const [D_IN, D_SAE, BATCH, K, STEPS, CUT] = [100, 1024, 256, 8, 4, 2];

const capped = await Device.create({ maxBindingBytes: CAP });

function saeCfg(architecture: ArchitectureName) {
  const widths = architecture === "matryoshka_batchtopk" ? { matryoshka_widths: [256, D_SAE] } : {};
  return { architecture, d_in: D_IN, d_sae: D_SAE, k: K, ...widths };
}

function trainCfg(architecture: ArchitectureName) {
  const run = { train_batch_size_tokens: BATCH, training_tokens: BATCH * STEPS, dead_feature_window: 1 };
  return resolveConfig({ ...saeCfg(architecture), ...run });
}

async function finish(trainer: Trainer, sae: Sae, losses: number[]) {
  const params: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(sae.params)) params[n] = (await t.read()) as Float32Array;
  const out = { losses, params, threshold: sae.topkThreshold, dead: [...trainer.deadMask] };
  trainer.dispose();
  sae.dispose();
  return out;
}

/** Steps from..to of xs on a trainer; returns their losses. */
async function steps(trainer: Trainer, xs: Float32Array[], from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = from; s < to; s++) losses.push((await trainer.trainStep(xs[s], true))!.loss);
  return losses;
}

async function uninterrupted(architecture: ArchitectureName, xs: Float32Array[]) {
  const cfg = trainCfg(architecture);
  const sae = Sae.create(capped, saeCfg(architecture), 5);
  const trainer = new Trainer({ cfg, device: capped, sae, totalSteps: STEPS, logEvery: 1 });
  return finish(trainer, sae, await steps(trainer, xs, 0, STEPS));
}

async function resumed(architecture: ArchitectureName, xs: Float32Array[], adam: boolean) {
  const cfg = trainCfg(architecture);
  const dir = mkdtempSync(join(tmpdir(), "sae-resume-"));
  try {
    const sae0 = Sae.create(capped, saeCfg(architecture), 5);
    const first = new Trainer({ cfg, device: capped, sae: sae0, totalSteps: STEPS, logEvery: 1 });
    const before = await steps(first, xs, 0, CUT);
    const store = { rows: new Float32Array(0), count: 0, rng: 0, blocks: 0, scaleFactor: 1, served: CUT * BATCH };
    const at = await writeCheckpoint(dir, String(CUT * BATCH), { trainer: first, store, cfg, saveSae });
    const cfgOf = sae0.cfg;
    first.dispose();
    sae0.dispose();
    const state = readState(at);
    expect(state.step).toBe(CUT);
    const sae = Sae.fromHost(capped, cfgOf, paramsOf(state));
    const trainer = new Trainer({ cfg, device: capped, sae, totalSteps: STEPS, logEvery: 1 });
    await restoreTrainer(trainer, state);
    const moments = [...Object.values(trainer.state.m), ...Object.values(trainer.state.v)];
    if (!adam) for (const t of moments) t.write(new Float32Array(t.size));
    return finish(trainer, sae, [...before, ...(await steps(trainer, xs, CUT, STEPS))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("TopK-family training under a 256 KiB binding cap resumes from a checkpoint", () => {
  test("the scores are over one binding", () => expect(BATCH * D_SAE * 4).toBeGreaterThan(capped.maxBinding));
  const rng = new Rng(13);
  const xs = Array.from({ length: STEPS }, () => rng.normalArray(BATCH * D_IN, 1));
  for (const arch of ["topk", "batchtopk", "matryoshka_batchtopk"] as const) {
    const what = `${CUT} steps, checkpoint, resume, ${STEPS - CUT} more equal ${STEPS} uninterrupted steps`;
    test(`${arch}: ${what}`, async () => {
      const want = await uninterrupted(arch, xs);
      const got = await resumed(arch, xs, true);
      expect(got.losses).toEqual(want.losses);
      for (const n of Object.keys(want.params)) expect(got.params[n]).toEqual(want.params[n]);
      expect(got.threshold).toBe(want.threshold);
      expect(got.dead).toEqual(want.dead);
      expect(want.dead.some((d) => d > 0)).toBe(true); // the aux-k term over dead latents ran
      const fresh = await resumed(arch, xs, false); // all restored but Adam's m and v (zeros): the run differs
      expect(fresh.losses.slice(0, CUT)).toEqual(want.losses.slice(0, CUT));
      expect(fresh.params.W_enc).not.toEqual(want.params.W_enc);
    }, 300_000);
  }
});
