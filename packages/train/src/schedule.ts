// Learning-rate and sparsity-coefficient schedules as closed-form functions of the step (0-based: the value used by
// step s). They reproduce SAELens 6.18's optim.py composition (SequentialLR): a linear warm-up from lr/warm_up to lr
// over lr_warm_up_steps, the main schedule (constant | cosineannealing to lr_end | cosineannealingwarmrestarts with
// n_restart_cycles; "linear" to lr_end is this project's addition), then lr_decay_steps of linear decay from lr_end
// (from lr for constant, where SAELens sets lr_end = lr) towards 0. lr_end defaults to lr / 10.
// A sparsity coefficient warms up from 0 as SAELens's CoefficientScheduler: coeff * min(1, step / warm_up_steps)
// (0, 0.5, 1.0 over two warm-up steps).
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
  // Past its end (a run of ceil(budget / batch) steps takes one more than the schedule's floor) the last torch
  // scheduler goes on: the decay stays at 0, a main one continues its formula (cosine, restarts; linear holds).
  if (t < M || (D === 0 && M > 0)) {
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
        return s.lr + ((lrEnd - s.lr) * Math.min(t, M)) / M;
      default:
        throw new Error(`unknown lr scheduler ${s.scheduler satisfies never}`);
    }
  }
  const start = s.scheduler === "constant" ? s.lr : lrEnd;
  if (D === 0) return start;
  return start * (1 - Math.min(1, (t - M) / D));
}

/** A sparsity coefficient at a step, warmed up linearly from 0 (SAELens CoefficientScheduler). */
export function l1CoefficientAt(coefficient: number, warmUpSteps: number, step: number): number {
  return warmUpSteps > 0 ? coefficient * Math.min(1, step / warmUpSteps) : coefficient;
}
