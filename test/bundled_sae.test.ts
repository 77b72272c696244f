// The SAE shipped with the bundled model (packages/transformer/assets/tiny-shakespeare/sae, written by
// packages/transformer/scripts/train_sae.ts; the demo page's default): it loads with @sae/core, reads the bundled
// model's blocks.1.hook_resid_pre, and is trained: on Shakespeare lines it reconstructs the activations with
// explained variance > 0.7 (an SAE of the same shape, initialised but untrained, stays near or below 0), with
// exactly k = 16 active latents per token.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { loadSae } from "@sae/core/node";
import { getDevice } from "@sae/tensor-core";
import { bundledModelDir, loadBundled } from "@sae/transformer/node";

const TEXT = "KING RICHARD III:\nNow is the winter of our discontent\nMade glorious summer by this sun of York;";
const HOOK = "blocks.1.hook_resid_pre";

/** 1 - sum (x - x_hat)^2 / sum (x - mean_x)^2 over all positions (the BOS position excluded). */
function explainedVariance(x: ArrayLike<number>, xHat: ArrayLike<number>, d_in: number): number {
  const rows = x.length / d_in;
  const mean = new Float64Array(d_in);
  for (let r = 1; r < rows; r++) for (let d = 0; d < d_in; d++) mean[d] += x[r * d_in + d] / (rows - 1);
  let [err, total] = [0, 0];
  for (let i = d_in; i < x.length; i++) {
    err += (x[i] - xHat[i]) ** 2;
    total += (x[i] - mean[i % d_in]) ** 2;
  }
  return 1 - err / total;
}

test("the bundled SAE is a trained TopK SAE on the bundled model's blocks.1.hook_resid_pre", async () => {
  const device = await getDevice();
  const model = await loadBundled({ device });
  const sae = loadSae(join(bundledModelDir(), "sae"), device);
  expect(sae.cfg).toMatchObject({ architecture: "topk", d_in: 128, d_sae: 512, k: 16, hook_name: HOOK });
  expect(sae.cfg.model_name).toBe("tiny-shakespeare");
  const run = await model.runWithCache(TEXT, { names: [HOOK] });
  const act = run.cache[HOOK]; // [1, pos, 128]
  const x = await act.read();
  const f = await sae.encode(act.reshape([act.shape[1], 128])); // [pos, 512]
  const acts = await f.read();
  for (let p = 0; p < act.shape[1]; p++) {
    expect(acts.subarray(p * 512, (p + 1) * 512).filter((v) => v !== 0).length).toBeLessThanOrEqual(16);
  }
  const trained = explainedVariance(x, await sae.decode(f).read(), 128);
  const untrained = Sae.create(device, { ...sae.cfg }, 0);
  const baseline = explainedVariance(x, await (await untrained.forward(act.reshape([act.shape[1], 128]))).read(), 128);
  console.log(`bundled SAE: explained variance ${trained.toFixed(3)} (untrained, same shape: ${baseline.toFixed(3)})`);
  expect(trained).toBeGreaterThan(0.7);
  expect(baseline).toBeLessThan(0.2);
  untrained.dispose();
  sae.dispose();
  model.dispose();
});
