// BatchTopK training steps with the old per-step readback of the kept minimum (select.ts before on-device logging:
// read the threshold; when not positive, read a positive count and select again) against the current step (logged
// on the device, settled once per block), interleaved in one process on the bundled SAE's sizes (d_in 128,
// d_sae 512, k 16, 2048 tokens). Each block is N forward + backward steps and one sync; prints the median per-step
// time of each and their ratio (a noisy shared machine: the ratio is the number).
// Usage: bun scripts/batchtopk-readback-bench.ts [rounds] [steps per block]
import { batchTopk, fill, getDevice, Rng, saeDot, Tensor } from "../packages/tensor-core/src/index.ts";
import { Sae } from "../packages/sae/src/sae.ts";
import type { SaeModel } from "../packages/sae/src/arch/contract.ts";
import { center } from "../packages/sae/src/arch/common.ts";
import { familyStep, preActs, scores, unscaled, type FamilyActs } from "../packages/sae/src/arch/family/family.ts";
import { batchActs } from "../packages/sae/src/arch/batchtopk/batchtopk.ts";
import { settleTopkThreshold } from "../packages/sae/src/arch/batchtopk/threshold.ts";

const [ROUNDS, N] = [Number(process.argv[2] ?? 7), Number(process.argv[3] ?? 10)];
const [D_IN, D_SAE, K, BATCH] = [128, 512, 16, 2048];

/** The batch selection as it was: one readback per step, three when fewer than k * batch scores are positive. */
async function oldActs(m: SaeModel, saeIn: Tensor): Promise<FamilyActs> {
  const pre = preActs(m, saeIn);
  const { hp, norms } = scores(m, pre);
  const [B, d_sae] = hp.shape;
  const first = batchTopk(hp, Math.floor(K * B));
  let kept: number | null = (await first.threshold.read())[0];
  first.threshold.dispose();
  let f: Tensor = first.out;
  if (kept <= 0) {
    first.out.dispose();
    const count = saeDot(hp, hp, 1, "count");
    const positive = Math.round((await count.read())[0]);
    count.dispose();
    kept = null;
    if (positive === 0) f = fill(Tensor.empty(hp.device, [B, d_sae], "f32", "acts"), 0);
    else {
      const second = batchTopk(hp, positive);
      kept = (await second.threshold.read())[0];
      second.threshold.dispose();
      f = second.out;
    }
  }
  if (kept !== null) {
    const lr = m.cfg.topk_threshold_lr;
    m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept;
  }
  return { pre, hp, norms, f, f0: unscaled(f, norms) };
}

const device = await getDevice();
const sae = Sae.create(device, { architecture: "batchtopk", d_in: D_IN, d_sae: D_SAE, k: K }, 1);
const x = Tensor.from(device, [BATCH, D_IN], new Rng(2).normalArray(BATCH * D_IN, 1));

async function block(acts: (m: SaeModel, saeIn: Tensor) => Promise<FamilyActs>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const saeIn = center(sae, x);
    const step = familyStep(sae, x, saeIn, await acts(sae, saeIn), {});
    for (const g of Object.values(step.backward())) g.dispose();
    step.dispose();
  }
  await settleTopkThreshold(sae);
  await device.sync();
  return (performance.now() - t0) / N;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
await block(oldActs);
await block(batchActs); // warm-up: pipelines compiled
const [before, after]: number[][] = [[], []];
for (let r = 0; r < ROUNDS; r++) {
  before.push(await block(oldActs));
  after.push(await block(batchActs));
}
const [b, a] = [median(before), median(after)];
console.log(`BatchTopK step (${BATCH} x ${D_IN} -> ${D_SAE}, k ${K}), median of ${ROUNDS} blocks of ${N}:`);
console.log(`per-step readback ${b.toFixed(2)} ms, on-device ${a.toFixed(2)} ms: after / before = ${(a / b).toFixed(3)}`);
sae.dispose();
x.dispose();
