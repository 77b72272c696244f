// BatchTopK's running threshold without a per-step readback. Each training step's smallest kept positive value
// (batchTopkKept, on the device) goes to a slot of a device log; settleTopkThreshold reads the log once and folds it
// into m.topkThreshold in float64, in step order: t <- (1 - lr) t + lr * kept, skipped where nothing was positive
// (logged as 0). That is SAELens's update_topk_threshold on the same float32 values in the same float64 arithmetic,
// so the settled threshold is exactly what updating every step gives. The log holds LOG_STEPS steps; a full log is
// settled (one readback) before the next step is logged. Not an architecture.
import { batchTopkKept, Tensor } from "@sae/tensor-core";
import type { SaeModel } from "../contract.ts";

export const LOG_STEPS = 1024;

interface KeptLog {
  log: Tensor; // [LOG_STEPS] f32, the first `n` slots hold unsettled steps
  n: number;
}

const pending = new WeakMap<SaeModel, KeptLog>();

/** Logs the smallest kept positive value of a batchTopk selection (out ReLU'd in place when none is kept). */
export async function logKept(m: SaeModel, out: Tensor, threshold: Tensor): Promise<void> {
  if ((pending.get(m)?.n ?? 0) === LOG_STEPS) await settleTopkThreshold(m);
  let p = pending.get(m);
  if (!p) {
    p = { log: Tensor.empty(m.device, [LOG_STEPS], "f32", "batchtopk kept log"), n: 0 };
    pending.set(m, p);
  }
  batchTopkKept(out, threshold, p.log, p.n++);
}

/** Whether steps wait in the log (m.topkThreshold is not yet theirs). */
export function thresholdPending(m: SaeModel): boolean {
  return pending.has(m);
}

/** Folds the logged steps into m.topkThreshold (one 4 * steps byte readback; nothing when none are logged). */
export async function settleTopkThreshold(m: SaeModel): Promise<void> {
  const p = pending.get(m);
  if (!p) return;
  pending.delete(m);
  const kept = await p.log.read();
  p.log.dispose();
  const lr = m.cfg.topk_threshold_lr;
  for (let i = 0; i < p.n; i++) {
    if (kept[i] > 0) m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept[i];
  }
}

/** Drops unsettled steps (the model is being disposed). */
export function dropThresholdLog(m: SaeModel): void {
  pending.get(m)?.log.dispose();
  pending.delete(m);
}
