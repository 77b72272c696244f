// lrAt and l1CoefficientAt against SAELens 6.18's own get_lr_scheduler (SequentialLR of warm-up, main schedule and
// decay) and CoefficientScheduler, stepped as SAETrainer steps them (fixtures/saelens/training.json in @sae/core); run
// lengths, the schedules one step past their end and checkpoint names as SAETrainer.fit() (fit_runs).
import { describe, expect, test } from "bun:test";
import { assertClose } from "@sae/tensor-core/testing";
import { saeLensGoldens } from "@sae/core/testing";
import { checkpointSteps } from "./checkpoint-plan.ts";
import { resolveConfig, runSteps, totalSteps, type LrSchedulerName } from "./config.ts";
import { l1CoefficientAt, lrAt } from "./schedule.ts";

describe("schedules vs SAELens 6.18 optim.py", () => {
  for (const c of saeLensGoldens().lr_schedules) {
    if (c.lrs) {
      test(`${c.scheduler}: ${c.total_steps} steps, warm-up ${c.warm_up_steps}, decay ${c.decay_steps}, cycles ${c.n_restart_cycles}`, () => {
        const s = { lr: c.lr!, scheduler: c.scheduler!, warmUpSteps: c.warm_up_steps!, decaySteps: c.decay_steps!, totalSteps: c.total_steps!, lrEnd: c.lr_end!, restartCycles: c.n_restart_cycles! };
        assertClose(`${c.scheduler} lr`, c.lrs!.map((_, i) => lrAt(s, i)), c.lrs!, 1e-6, 1e-12);
      });
    } else {
      test(`coefficient warm-up over ${c.coefficient_warm_up_steps} steps`, () => {
        const got = c.values!.map((_, i) => l1CoefficientAt(c.final_value!, c.coefficient_warm_up_steps!, i));
        assertClose("coefficient", got, c.values!, 1e-12, 0);
      });
    }
  }
});

// SAETrainer.fit() itself (fit_runs): a budget that is not a multiple of the batch runs ceil(samples / batch) steps
// with schedulers floor(samples / batch) long, so the last step reads them one step past their end; intermediate
// checkpoints where the samples seen first pass one of SAELens's thresholds (names: the samples seen).
describe("run length, lr / coefficients past the schedule's end, checkpoint names vs SAELens 6.18 fit()", () => {
  for (const r of saeLensGoldens().fit_runs) {
    test(`${r.name}: ${r.notes}`, () => {
      const t = r.trainer_config;
      const batch = t.train_batch_size_samples as number;
      const cfg = resolveConfig({
        training_tokens: t.total_training_samples,
        train_batch_size_tokens: batch,
        n_checkpoints: t.n_checkpoints,
      });
      const steps = runSteps(cfg);
      expect(steps).toBe(r.steps_run);
      expect(steps).toBe(r.steps.length);
      expect(totalSteps(cfg)).toBe(r.total_training_steps);
      expect(r.steps.map((s) => s.n_training_samples)).toEqual(r.steps.map((_, i) => (i + 1) * batch));
      const s = {
        lr: t.lr as number,
        scheduler: t.lr_scheduler_name as LrSchedulerName,
        warmUpSteps: t.lr_warm_up_steps as number,
        decaySteps: t.lr_decay_steps as number,
        totalSteps: totalSteps(cfg),
        lrEnd: t.lr_end as number,
        restartCycles: t.n_restart_cycles as number,
      };
      const lrs = r.steps.map((x) => x.lr);
      assertClose(`${r.name} lr`, lrs.map((_, i) => lrAt(s, i)), lrs, 1e-6, 1e-12);
      const l1 = r.steps.map((x) => x.coefficients.l1);
      const ours = l1.map((_, i) => l1CoefficientAt(r.l1_coefficient, r.l1_warm_up_steps, i));
      assertClose(`${r.name} l1 coefficient`, ours, l1, 1e-12, 0);
      const at = [...checkpointSteps(cfg.n_checkpoints, cfg.training_tokens, batch, steps)].sort((a, b) => a - b);
      expect([...at.map((i) => String(i * batch)), `final_${steps * batch}`]).toEqual(r.checkpoints);
    });
  }
});
