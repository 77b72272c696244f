// The real-size training check behind packages/train/src/trainer_blocks.test.ts, run by hand (too big for CI):
// Trainer steps of a TopK-family SAE of d_in 2,304 x d_sae 65,536 (Gemma Scope's 64k width: W_enc and W_dec 604 MB
// each, over lavapipe's 128 MiB binding; [batch, d_sae] scores selected in row blocks) on synthetic activations
// (a seeded Gaussian mix), printing each step's loss, time and peak device memory (Device.memory().peakBytes, the
// step's high-water mark; the Trainer resets it at each step's start).
// Usage: bun scripts/train-scale-check.ts [architecture=topk] [steps=2] [batch=4096] [d_sae=65536] [d_in=2304]
import { getDevice, Rng } from "../packages/tensor-core/src/index.ts";
import { Sae, type ArchitectureName } from "../packages/sae/src/index.ts";
import { resolveConfig, Trainer } from "../packages/train/src/index.ts";
import { checkRunSizes } from "../packages/train/src/memory-check.ts";

const arch = (process.argv[2] ?? "topk") as ArchitectureName;
const [steps, batch, dSae, dIn] = [3, 4, 5, 6].map((i, j) => Number(process.argv[i] ?? [2, 4096, 65536, 2304][j]));
const device = await getDevice();
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const widths = arch === "matryoshka_batchtopk" ? { matryoshka_widths: [dSae / 4, dSae] } : {};
const saeCfg = { architecture: arch, d_in: dIn, d_sae: dSae, k: 32, ...widths };
const cfg = resolveConfig({ ...saeCfg, train_batch_size_tokens: batch, training_tokens: batch * steps });
const limits = { maxStorageBufferBindingSize: device.maxBinding, maxBufferSize: device.limits.maxBufferSize };
checkRunSizes(cfg, dIn, dSae, limits);
const sae = Sae.create(device, saeCfg, 1);
const trainer = new Trainer({ cfg, device, sae, totalSteps: steps, logEvery: 1 });
const wEnc = `W_enc ${mib(sae.params.W_enc.byteLength)} (binding ${mib(device.maxBinding)})`;
console.log(`${arch} ${dIn} x ${dSae}, batch ${batch}, k 32: ${wEnc}; one [batch, d_sae] is ${mib(batch * dSae * 4)}`);
console.log(`device bytes live before training ${mib(device.memory().liveBytes)}`);
const rng = new Rng(7);
const centers = rng.normalArray(16 * dIn, 1);
for (let s = 0; s < steps; s++) {
  const x = rng.normalArray(batch * dIn, 0.5);
  for (let b = 0; b < batch; b++) {
    const c = (b * 7 + s) % 16;
    for (let i = 0; i < dIn; i++) x[b * dIn + i] += centers[c * dIn + i];
  }
  const t0 = performance.now();
  const m = await trainer.trainStep(x, true);
  const t = (performance.now() - t0) / 1000;
  const mem = device.memory();
  const memory = `peak ${mib(mem.peakBytes)}, live ${mib(mem.liveBytes)}`;
  console.log(`step ${s + 1}: loss ${m!.loss.toFixed(4)} l0 ${m!.l0.toFixed(1)} ${t.toFixed(1)} s; ${memory}`);
}
trainer.dispose();
sae.dispose();
