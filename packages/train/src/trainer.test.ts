// The Trainer against 3 steps of SAELens 6.18's own SAETrainer.fit() per architecture (fixtures in @sae/core:
// fixtures/saelens/training.json, scripts/saelens_goldens.py): the same parameters and batches, then per step the
// lr, the sparsity coefficient (warm-up from 0), the dead-latent mask the step used (dead_feature_window 1), every
// loss term, the total loss, the BatchTopK threshold, and every parameter after Adam (clip_grad_norm_ 1.0), all
// within 1e-5 abs + 1e-4 rel.
import { describe, expect, test } from "bun:test";
import { getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae } from "@sae/core";
import { ATOL, configOf, f32, paramsOf, RTOL, saeLensGoldens, scalarOf, type TrainerCase } from "@sae/core/testing";
import { resolveConfig } from "./config.ts";
import { Trainer } from "./trainer.ts";

const device = await getDevice();

function trainConfig(c: TrainerCase) {
  const t = c.trainer_config as Record<string, number | string | null>;
  const s = c.config as Record<string, unknown>;
  const batch = t.train_batch_size_samples as number;
  const num = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  const fields: Record<string, unknown> = {
    architecture: c.architecture,
    d_in: s.d_in,
    d_sae: s.d_sae,
    train_batch_size_tokens: batch,
    training_tokens: t.total_training_samples,
    lr: t.lr,
    lr_end: t.lr_end,
    lr_scheduler_name: t.lr_scheduler_name,
    lr_warm_up_steps: t.lr_warm_up_steps,
    lr_decay_steps: t.lr_decay_steps,
    n_restart_cycles: t.n_restart_cycles,
    adam_beta1: t.adam_beta1,
    adam_beta2: t.adam_beta2,
    adam_eps: 1e-8, // torch.optim.Adam's default
    max_grad_norm: 1, // SAETrainer: clip_grad_norm_(params, 1.0)
    dead_feature_window: t.dead_feature_window,
    feature_sampling_window: t.feature_sampling_window,
    l1_coefficient: num("l1_coefficient") ?? 1,
    l1_warm_up_steps: num("l1_warm_up_steps") ?? 0,
    l0_coefficient: num("l0_coefficient") ?? null,
    l0_warm_up_steps: num("l0_warm_up_steps") ?? null,
    wandb_log_frequency: 1,
  };
  if (typeof s.k === "number") fields.k = s.k;
  return resolveConfig(fields);
}

describe("Trainer vs SAELens 6.18 SAETrainer.fit()", () => {
  for (const c of saeLensGoldens().trainer_cases) {
    test(c.name, async () => {
      const cfg = trainConfig(c);
      const sae = Sae.fromHost(device, configOf(c.architecture, c.config), paramsOf(c.params));
      const trainer = new Trainer({ cfg, device, sae, totalSteps: c.steps.length, logEvery: 1 });
      for (const [i, st] of c.steps.entries()) {
        const what = `${c.name} step ${i}`;
        // the dead set as of the previous step's end: what this step's aux-k / pre_act terms read
        assertClose(`${what} dead mask`, trainer.deadMask, f32(st.dead_neuron_mask), 0, 0);
        const m = await trainer.trainStep(f32(c.batches[i]));
        expect(m).not.toBeNull();
        assertClose(`${what} lr`, [m!.lr], [st.lr], 1e-7, 0);
        const coef = st.coefficients.l1 ?? st.coefficients.l0;
        if (coef !== undefined) assertClose(`${what} coefficient`, [m!.l1_coefficient], [coef], 1e-7, 0);
        for (const [k, v] of Object.entries(st.losses)) assertClose(`${what} ${k}`, [m!.losses[k]], [v], RTOL, ATOL);
        assertClose(`${what} loss`, [m!.loss], [st.loss], RTOL, ATOL);
        const after = await sae.toHost();
        for (const [k, v] of Object.entries(st.params_after)) assertClose(`${what} ${k}`, after[k], f32(v), RTOL, ATOL);
        if (st.buffers_after.topk_threshold) assertClose(`${what} topk_threshold`, [sae.topkThreshold ?? NaN], [scalarOf(st.buffers_after.topk_threshold)], RTOL, 1e-7);
        assertClose(`${what} since fired`, await trainer.state.sinceFired.read(), f32(st.n_forward_passes_since_fired_after), 0, 0);
      }
      trainer.dispose();
      sae.dispose();
    });
  }
});
