// lrAt and l1CoefficientAt against SAELens 6.18's own get_lr_scheduler (SequentialLR of warm-up, main schedule and
// decay) and CoefficientScheduler, stepped as SAETrainer steps them (fixtures/saelens/training.json in @sae/core).
import { describe, test } from "bun:test";
import { assertClose } from "@sae/tensor-core/testing";
import { saeLensGoldens } from "@sae/core/testing";
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
