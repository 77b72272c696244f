// The trainer against PyTorch: same init, same batches, same schedule, clipping, Adam and dead-latent tracking
// (packages/train/scripts/make_train_fixture.py). Tolerances: the loss curve within 2e-4 relative, final
// parameters within atol 2e-5 + rtol 2e-3 (fp32 GPU vs fp64 torch over 24 Adam steps).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { assertClose, getDevice, loadSafetensorsFile } from "@sae/tensor-core";
import { makeConfig, Sae } from "@sae/core";
import { resolveConfig } from "./config.ts";
import { Trainer, type StepMetrics } from "./trainer.ts";

const device = await getDevice();

function fixture(arch: string) {
  const st = loadSafetensorsFile(join(import.meta.dir, `../fixtures/train_${arch}.safetensors`));
  const get = (n: string) => st.tensors.get(n)!.data as Float32Array;
  const fc = JSON.parse(st.metadata!.config);
  return { get, fc };
}

async function runFixture(arch: "standard" | "topk") {
  const { get, fc } = fixture(arch);
  const cfg = resolveConfig({
    architecture: arch,
    d_in: fc.d_in,
    d_sae: fc.d_sae,
    k: fc.k,
    train_batch_size_tokens: fc.train_batch_size_tokens,
    training_tokens: fc.train_batch_size_tokens * fc.steps,
    lr: fc.lr,
    lr_warm_up_steps: fc.lr_warm_up_steps,
    lr_decay_steps: fc.lr_decay_steps,
    adam_beta1: fc.adam_beta1,
    adam_beta2: fc.adam_beta2,
    adam_eps: fc.adam_eps,
    max_grad_norm: fc.max_grad_norm,
    l1_coefficient: fc.l1_coefficient,
    l1_warm_up_steps: fc.l1_warm_up_steps,
    dead_feature_window: fc.dead_feature_window,
    aux_loss_coefficient: fc.aux_loss_coefficient,
  });
  const saeCfg = makeConfig({ architecture: arch, d_in: fc.d_in, d_sae: fc.d_sae, k: arch === "topk" ? fc.k : null, aux_loss_coefficient: fc.aux_loss_coefficient, l1_coefficient: fc.l1_coefficient });
  const names = ["W_enc", "b_enc", "W_dec", "b_dec"];
  const sae = Sae.fromHost(device, saeCfg, Object.fromEntries(names.map((n) => [n, get(`init.${n}`).slice()])));
  const trainer = new Trainer({ cfg, device, sae, totalSteps: fc.steps, logEvery: 1 });
  const batches = get("batches");
  const per = fc.train_batch_size_tokens * fc.d_in;
  const curve: StepMetrics[] = [];
  for (let s = 0; s < fc.steps; s++) curve.push((await trainer.trainStep(batches.subarray(s * per, (s + 1) * per)))!);
  const final = await sae.toHost();
  trainer.dispose();
  sae.dispose();
  return { get, curve, final, names };
}

describe("trainer matches a PyTorch run of the same algorithm", () => {
  for (const arch of ["standard", "topk"] as const) {
    test(arch, async () => {
      const { get, curve, final, names } = await runFixture(arch);
      assertClose(`${arch} lr`, curve.map((m) => m.lr), get("lr"), 1e-6, 0);
      // metrics after step s report the dead set that step s + 1 uses
      assertClose(`${arch} dead count`, curve.slice(0, -1).map((m) => m.dead_features), get("dead_count").slice(1), 0, 0);
      assertClose(`${arch} mse curve`, curve.map((m) => m.losses.mse_loss), get("mse_loss"), 2e-4, 1e-5);
      assertClose(`${arch} loss curve`, curve.map((m) => m.loss), get("loss"), 2e-4, 1e-5);
      for (const n of names) assertClose(`${arch} final ${n}`, final[n], get(`expected.${n}`), 2e-3, 2e-5);
      expect(curve[curve.length - 1].loss).toBeLessThan(curve[0].loss);
      if (arch === "topk") expect(Math.max(...get("dead_count"))).toBeGreaterThan(0);
    });
  }
});
