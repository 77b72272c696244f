// BatchTopK's batch-level selection (batchtopk.ts) on scores it is given: the dense scores, or the candidates of
// the row-blocked selection (blocks.ts). Not an architecture.
import { batchTopk, fill, saeDot, Tensor } from "@sae/tensor-core";

/**
 * The batch-level selection on scores hp [batch, d_sae]: f (the floor(k * batch) largest positive values, zeros
 * elsewhere) and the smallest kept positive value (null when none is positive). `batch` when hp holds another
 * layout of the batch's scores (the candidates of blocks.ts, [R, base]).
 */
export async function batchSelect(hp: Tensor, k: number, batch = hp.shape[0]):
  Promise<{ f: Tensor; kept: number | null }> {
  const [B, d_sae] = hp.shape;
  const kTotal = Math.floor(k * batch);
  const first = batchTopk(hp, kTotal);
  const kept = (await first.threshold.read())[0];
  first.threshold.dispose();
  if (kept > 0) return { f: first.out, kept };
  first.out.dispose();
  const count = saeDot(hp, hp, 1, "count");
  const positive = Math.round((await count.read())[0]);
  count.dispose();
  if (positive === 0) return { f: fill(Tensor.empty(hp.device, [B, d_sae], "f32", "batchtopk acts"), 0), kept: null };
  const { out, threshold } = batchTopk(hp, positive); // every positive score; its minimum is the smallest positive
  const minPositive = (await threshold.read())[0];
  threshold.dispose();
  return { f: out, kept: minPositive };
}
