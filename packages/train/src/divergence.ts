// The divergence check of a training run, relative to the run's own data and history: besides a non-finite loss
// (which the Trainer already throws on), DivergedError ends the run when
//   - the reconstruction error mse_loss exceeds EXPLOSION x the activations' own energy mean_b sum_d x^2 (what an
//     SAE that outputs zeros would score; measured on the first batch), which catches a run that explodes at once;
//   - the loss or mse_loss exceeds EXPLOSION x its running median over the last readbacks, once WARM_UP are in.
// It also keeps which checkpoint is
// the last good one: a checkpoint counts as good only once a later readback has passed the check (the loss read at
// step t is measured on the parameters of step t - 1), so DivergedError never names a checkpoint whose weights had
// already exploded. Not here: writing checkpoints (checkpoint.ts) or the step itself (trainer.ts).
import { DivergedError } from "./errors.ts";
import type { StepMetrics } from "./trainer.ts";

export const EXPLOSION = 1e3;
export const WARM_UP = 5;
const WINDOW = 50;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The reconstruction term of a step's losses (every architecture names it mse_loss). */
function mseOf(m: StepMetrics): number | null {
  const v = m.losses.mse_loss;
  return typeof v === "number" ? v : null;
}

export class DivergenceGuard {
  private readonly loss: number[] = [];
  private energy: number | null = null;
  private readonly mse: number[] = [];
  private lastGood: string | null;
  private pending: { dir: string; step: number }[] = [];

  /** `lastGood`: a checkpoint known good (the one a resumed run started from); `history`: its earlier readbacks. */
  constructor(lastGood: string | null = null, history: readonly StepMetrics[] = []) {
    this.lastGood = lastGood;
    for (const m of history) this.push(m);
  }

  private push(m: StepMetrics): void {
    this.loss.push(m.loss);
    const mse = mseOf(m);
    if (mse !== null) this.mse.push(mse);
    if (this.loss.length > WINDOW) this.loss.shift();
    if (this.mse.length > WINDOW) this.mse.shift();
  }

  /** Measures the activations' energy on the first batch a run trains on ([batch, d_in], as the SAE sees it). */
  input(batch: Float32Array, dIn: number): void {
    if (this.energy !== null) return;
    let sum = 0;
    for (let i = 0; i < batch.length; i++) sum += batch[i] * batch[i];
    this.energy = sum / (batch.length / dIn);
  }

  /** Checks one metrics readback; throws DivergedError (naming the last good checkpoint) on an explosion. */
  check(m: StepMetrics): void {
    const mse = mseOf(m);
    const bad =
      this.overEnergy(mse) ?? this.explosion("loss", m.loss, this.loss) ?? this.explosion("mse_loss", mse, this.mse);
    if (bad) throw new DivergedError(m.step, `${bad} at step ${m.step}; lower lr or check the activations`);
    this.push(m);
    for (const p of this.pending) if (p.step < m.step) this.lastGood = p.dir;
    this.pending = this.pending.filter((p) => p.step >= m.step);
  }

  private overEnergy(mse: number | null): string | null {
    const e = this.energy;
    if (mse === null || e === null || !(e > 0) || !(mse > EXPLOSION * e)) return null;
    const energy = `the activations' own energy ${e.toExponential(3)} (an all-zero output scores that)`;
    return `mse_loss ${mse.toExponential(3)} is over ${EXPLOSION}x ${energy}`;
  }

  private explosion(name: string, v: number | null, hist: readonly number[]): string | null {
    if (v === null) return null;
    if (!Number.isFinite(v)) return `${name} is ${v}`;
    if (hist.length < WARM_UP) return null;
    const med = median(hist);
    if (!(med > 0 && v > EXPLOSION * med)) return null;
    return `${name} exploded to ${v.toExponential(3)} (over ${EXPLOSION}x its running median ${med.toExponential(3)})`;
  }

  /** A checkpoint written at `step`: good once a readback after it passes (or at once, for the run's final one). */
  written(dir: string, step: number, confirmed = false): void {
    if (confirmed) this.lastGood = dir;
    else this.pending.push({ dir, step });
  }

  /** The newest checkpoint confirmed good, or null. */
  get good(): string | null {
    return this.lastGood;
  }

  /** Checkpoints written but not confirmed (written after the last passing readback). */
  get unconfirmed(): string[] {
    return this.pending.map((p) => p.dir);
  }
}

/** The message of a DivergedError at the run's edge: the cause, then what is kept. */
export function divergedMessage(e: DivergedError, guard: DivergenceGuard): string {
  const later = guard.unconfirmed;
  const untrusted = later.length ? `Not trusted (written after the last loss that passed): ${later.join(", ")}. ` : "";
  const kept = guard.good ? `The last good checkpoint is ${guard.good}` : "No checkpoint passed the divergence check";
  return `training diverged: ${e.message}. ${untrusted}${kept}; nothing was saved for this step.`;
}
