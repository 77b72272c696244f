// No GPU memory growth over 1,000 training steps: after warm-up the buffer pool creates no buffer and the live
// bytes stay the same, for the sparse TopK path and the dense standard path (small shapes; the 4096 x 6144 case is
// timed in bench/train.ts with --steps 1000). The batch-1024 case is large enough that matmul transposes W_enc into
// pooled scratch on llvmpipe (the "lanes-nt" path), so that scratch is covered too; the sparse case runs the standard
// and JumpReLU SAEs' pair steps (sparse_max_active = d_sae: every step through the pairs).
import { expect, test } from "bun:test";
import { getDevice, Rng } from "@sae/tensor-core";
import { Sae } from "@sae/core";
import { resolveConfig, Trainer } from "@sae/train";

const device = await getDevice();

const CASES = [["topk", 128, false], ["standard", 128, false], ["standard", 1024, false], ["standard", 128, true], ["jumprelu", 128, false], ["jumprelu", 128, true]] as const;

for (const [architecture, batch, sparse] of CASES) {
  test(`${architecture}${sparse ? " (sparse step)" : ""}, batch ${batch}: 1,000 steps allocate nothing after warm-up`, async () => {
    const d_in = 32, d_sae = 96, steps = 1000;
    const cfg = resolveConfig({ architecture, d_in, d_sae, k: 4, train_batch_size_tokens: batch, training_tokens: batch * steps, l1_coefficient: 1, sparse_max_active: sparse ? d_sae : 0 });
    const sae = Sae.create(device, { architecture, d_in, d_sae, k: architecture === "topk" ? 4 : null }, 1);
    const trainer = new Trainer({ cfg, device, sae, totalSteps: steps, logEvery: 100 });
    const rng = new Rng(7);
    const batches = Array.from({ length: 4 }, () => rng.normalArray(batch * d_in));
    let warm = device.memory();
    let last = NaN;
    for (let s = 0; s < steps; s++) {
      const m = await trainer.trainStep(batches[s % batches.length]);
      if (m) last = m.loss;
      if (s === 199) {
        await device.sync();
        warm = device.memory();
      }
    }
    await device.sync();
    const end = device.memory();
    expect(Number.isFinite(last)).toBe(true);
    expect(end.created).toBe(warm.created);
    expect(end.liveBytes).toBe(warm.liveBytes);
    trainer.dispose();
    sae.dispose();
  }, 300_000);
}
