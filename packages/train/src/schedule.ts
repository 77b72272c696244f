// Learning-rate and sparsity-coefficient schedules as closed-form functions of the step (0-based: the value used by
// step s). They reproduce SAELens's optim.py composition: a linear warm-up from lr/warm_up to lr over
// lr_warm_up_steps, the main schedule (constant | cosineannealing to lr_end | cosineannealingwarmrestarts with
// n_restart_cycles | linear to lr_end), then lr_decay_steps of linear decay to lr_end. lr_end defaults to lr / 10.
// The L1 coefficient warms up linearly: coeff * min(1, (step + 1) / l1_warm_up_steps).
import type { LrSchedulerName } from "./config.ts";

export interface LrSchedule {
  lr: number;
  scheduler: LrSchedulerName;
  warmUpSteps: number;
  decaySteps: number;
  totalSteps: number;
  lrEnd: number | null;
  restartCycles: number;
}

export function lrAt(s: LrSchedule, step: number): number {
  const lrEnd = s.lrEnd ?? s.lr / 10;
  const W = s.warmUpSteps;
  if (step < W) return W <= 1 ? s.lr : s.lr * (1 / W + ((1 - 1 / W) * step) / (W - 1));
  const D = s.decaySteps;
  const M = Math.max(0, s.totalSteps - W - D);
  const t = step - W;
  if (t < M) {
    switch (s.scheduler) {
      case "constant":
        return s.lr;
      case "cosineannealing":
        return lrEnd + ((s.lr - lrEnd) * (1 + Math.cos((Math.PI * t) / M))) / 2;
      case "cosineannealingwarmrestarts": {
        const T0 = Math.max(1, Math.floor(M / Math.max(1, s.restartCycles)));
        return lrEnd + ((s.lr - lrEnd) * (1 + Math.cos((Math.PI * (t % T0)) / T0))) / 2;
      }
      case "linear":
        return s.lr + ((lrEnd - s.lr) * t) / M;
      default:
        throw new Error(`unknown lr scheduler ${s.scheduler satisfies never}`);
    }
  }
  if (D === 0) return s.scheduler === "constant" ? s.lr : lrEnd;
  const start = s.scheduler === "constant" ? s.lr : lrEnd;
  const u = Math.min(1, (t - M) / D);
  return s.scheduler === "constant" ? s.lr + (lrEnd - s.lr) * u : start;
}

/** The sparsity coefficient at a step with linear warm-up. */
export function l1CoefficientAt(coefficient: number, warmUpSteps: number, step: number): number {
  return warmUpSteps > 0 ? coefficient * Math.min(1, (step + 1) / warmUpSteps) : coefficient;
}
