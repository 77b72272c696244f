// BatchTopK's batch-level selection (batchtopk.ts) on scores it is given, with the smallest kept value read back:
// for the row-blocked selection (blocks.ts), whose widening decides shapes on the host, and inference before any
// training. Training on the dense scores reads nothing back (batchActs and threshold.ts). Not an architecture.
import { batchTopk, batchTopkKept, Tensor } from "@sae/tensor-core";

/**
 * The batch-level selection on scores hp [batch, d_sae]: f (the floor(k * batch) largest positive values, zeros
 * elsewhere) and the smallest kept positive value (null when none is positive), one 4-byte readback. `batch` when
 * hp holds another layout of the batch's scores (the candidates of blocks.ts, [R, base]).
 */
export async function batchSelect(hp: Tensor, k: number, batch = hp.shape[0]):
  Promise<{ f: Tensor; kept: number | null }> {
  const { out, threshold } = batchTopk(hp, Math.floor(k * batch));
  const log = Tensor.empty(hp.device, [1], "f32", "batchtopk kept");
  batchTopkKept(out, threshold, log, 0); // fewer positives than k * batch: out is all of them, ReLU'd
  const kept = (await log.read())[0];
  threshold.dispose();
  log.dispose();
  return { f: out, kept: kept > 0 ? kept : null };
}
