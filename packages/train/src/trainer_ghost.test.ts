// Ghost grads through the trainer (use_ghost_grads, standard SAE): latents whose encoder can never fire (small W_enc
// column, b_enc -2) are forced into the dead mask. Without ghost grads their encoder weights get no gradient and
// Adam leaves them exactly as they were; with them, the first Adam step moves each by -lr * g / (|g| + eps) where g
// is the ghost gradient computed directly with ghostGrads (checked against PyTorch in @sae/core), and live
// latents' encoder columns move exactly as they do without ghost grads (no clipping, one step).
import { describe, expect, test } from "bun:test";
import { getDevice, Tensor } from "@sae/tensor-core";
import { assertClose, randn } from "@sae/tensor-core/testing";
import { ghostGrads, makeConfig, Sae, type SaeParams } from "@sae/core";
import { resolveConfig } from "./config.ts";
import { Trainer, type StepMetrics } from "./trainer.ts";
import { ConfigError } from "./errors.ts";

const device = await getDevice();
const D_IN = 19;
const D_SAE = 53;
const BATCH = 67;
const STEPS = 4;
const LR = 1e-3;
const isDead = (j: number) => j % 4 === 1;
const NAMES = ["W_enc", "b_enc", "W_dec", "b_dec"];

function initParams(): Record<string, Float32Array> {
  const W_enc = randn(D_IN * D_SAE, 1, 1 / Math.sqrt(D_IN));
  const b_enc = randn(D_SAE, 2, 0.1);
  for (let j = 0; j < D_SAE; j++) {
    if (!isDead(j)) continue;
    b_enc[j] = -2;
    for (let i = 0; i < D_IN; i++) W_enc[i * D_SAE + j] *= 0.05;
  }
  return { W_enc, b_enc, W_dec: randn(D_SAE * D_IN, 3, 0.2), b_dec: randn(D_IN, 4, 0.1) };
}

const batches = randn(STEPS * BATCH * D_IN, 5);
const batch = (s: number) => batches.subarray(s * BATCH * D_IN, (s + 1) * BATCH * D_IN);
const saeCfg = makeConfig({ architecture: "standard", d_in: D_IN, d_sae: D_SAE, l1_coefficient: 0.5 });
const deadMask = Float32Array.from({ length: D_SAE }, (_, j) => (isDead(j) ? 1 : 0));

async function run(useGhost: boolean, steps: number, scale: number | null = null) {
  const cfg = resolveConfig({
    architecture: "standard",
    d_in: D_IN,
    d_sae: D_SAE,
    train_batch_size_tokens: BATCH,
    training_tokens: BATCH * steps,
    lr: LR,
    lr_warm_up_steps: 0,
    max_grad_norm: 0,
    l1_coefficient: 0.5,
    use_ghost_grads: useGhost,
  });
  const sae = Sae.fromHost(device, saeCfg, initParams());
  sae.activationScale = scale;
  const trainer = new Trainer({ cfg, device, sae, totalSteps: steps, logEvery: 1000 });
  trainer.deadMask.set(deadMask); // forced: no readback before the last step refreshes it
  let last: StepMetrics | null = null;
  for (let s = 0; s < steps; s++) last = await trainer.trainStep(batch(s));
  const final = await sae.toHost();
  trainer.dispose();
  sae.dispose();
  return { final, last: last as StepMetrics };
}

/** Ghost gradients of the initial parameters on the first batch (times the activation scale), by parameter. */
async function ghostReference(scale: number | null): Promise<Record<string, Float32Array>> {
  const sae = Sae.fromHost(device, saeCfg, initParams());
  const x = Tensor.from(device, [BATCH, D_IN], batch(0).map((v) => v * (scale ?? 1)));
  const out = await sae.trainForward(x);
  const ghost = ghostGrads(sae, x, out.hiddenPre, out.saeOut, deadMask)!;
  const grads: SaeParams = Object.fromEntries(NAMES.map((n) => [n, Tensor.zeros(device, sae.params[n].shape)]));
  ghost.backward(grads);
  const host: Record<string, Float32Array> = {};
  for (const n of NAMES) host[n] = (await grads[n].read()) as Float32Array;
  ghost.dispose();
  for (const g of Object.values(grads)) g.dispose();
  sae.releaseStep();
  sae.dispose();
  x.dispose();
  return host;
}

/** W_enc column j [d_in] and b_enc[j] of a host parameter set. */
function encoderOf(p: Record<string, Float32Array>, j: number): number[] {
  return [...Array.from({ length: D_IN }, (_, i) => p.W_enc[i * D_SAE + j]), p.b_enc[j]];
}

describe("trainer with use_ghost_grads", () => {
  for (const scale of [null, 2.5]) test(`one step (activation scale ${scale}): dead encoders move by Adam's first step on the ghost gradient, live ones as without`, async () => {
    const init = initParams();
    const without = await run(false, 1, scale);
    const withGhost = await run(true, 1, scale);
    const ref = await ghostReference(scale);
    const eps = resolveConfig({}).adam_eps;
    for (let j = 0; j < D_SAE; j++) {
      if (isDead(j)) {
        expect(encoderOf(without.final, j)).toEqual(encoderOf(init, j)); // no gradient reaches a latent that never fires
        const g = encoderOf(ref, j);
        const want = encoderOf(init, j).map((v, i) => v - (LR * g[i]) / (Math.abs(g[i]) + eps));
        expect(g.some((v) => Math.abs(v) > 1e-6)).toBe(true);
        assertClose(`dead latent ${j} encoder after one step`, encoderOf(withGhost.final, j), want, 1e-5, 2e-6);
      } else {
        assertClose(`live latent ${j} encoder`, encoderOf(withGhost.final, j), encoderOf(without.final, j), 0, 0);
      }
    }
    // the logged loss includes the ghost term (about mse / d_in by construction of its weights)
    const l = withGhost.last.losses;
    expect(l.ghost_grad_loss).toBeGreaterThan(0);
    expect(l.ghost_grad_loss).toBeLessThanOrEqual(l.mse_loss / D_IN);
    expect(l.ghost_grad_loss).toBeGreaterThan((0.9 * l.mse_loss) / D_IN);
    assertClose("logged loss", [withGhost.last.loss], [l.mse_loss + l.l1_loss + l.ghost_grad_loss], 1e-6, 1e-6);
    assertClose("mse without ghost", [without.last.losses.mse_loss], [l.mse_loss], 1e-6, 0);
    expect(without.last.losses.ghost_grad_loss).toBeUndefined();
  });

  test(`${STEPS} steps: dead encoders stay put without ghost grads and move with them`, async () => {
    const init = initParams();
    const without = await run(false, STEPS);
    const withGhost = await run(true, STEPS);
    for (let j = 0; j < D_SAE; j++) {
      if (!isDead(j)) continue;
      expect(encoderOf(without.final, j)).toEqual(encoderOf(init, j));
      const moved = Math.max(...encoderOf(withGhost.final, j).map((v, i) => Math.abs(v - encoderOf(init, j)[i])));
      expect(moved).toBeGreaterThan(0.5 * LR);
    }
  });

  test("use_ghost_grads is refused for other architectures", () => {
    expect(() => resolveConfig({ architecture: "topk", use_ghost_grads: true })).toThrow(ConfigError);
    expect(() => resolveConfig({ architecture: "standard", use_ghost_grads: true })).not.toThrow();
  });
});
