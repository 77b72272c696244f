// CPU reference for batchTopkKept (ops/batch_topk_kept.ts).
import { LimitError } from "../errors.ts";
import { checkDType, type HostTensor } from "../tensor.ts";

/** out (batchTopk's) ReLU'd in place when threshold[0] <= 0; log[slot] = the smallest kept positive value (0: none). */
export function batchTopkKept(out: HostTensor, threshold: HostTensor, log: HostTensor, slot: number): void {
  for (const t of [out, threshold, log]) checkDType("batchTopkKept (cpu)", "tensor", t, "f32");
  if (!Number.isInteger(slot) || slot < 0 || slot >= log.data.length) {
    throw new LimitError(`batchTopkKept (cpu): slot ${slot} outside log`);
  }
  const t = threshold.data[0];
  if (t > 0) {
    log.data[slot] = t;
    return;
  }
  let min = Infinity;
  for (let i = 0; i < out.data.length; i++) {
    if (out.data[i] > 0) min = Math.min(min, out.data[i]);
    else out.data[i] = 0;
  }
  log.data[slot] = min === Infinity ? 0 : min;
}
