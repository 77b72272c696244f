// BatchTopK SAE (Bussmann et al. 2024, SAELens 6.18 "batchtopk"): in training, f keeps the k * batch largest
// ReLU(scores) of the whole batch (scores = pre, times ||W_dec[i]|| with rescale_acts_by_decoder_norm), through the
// exact `batchTopk` kernel; the running threshold t <- (1 - lr) t + lr * (smallest positive kept value), skipped when
// none is positive, is kept in float64 as SAELens does and used at inference, where f = ReLU(scores) * (scores > t)
// (saved as a JumpReLU SAE, as SAELens does). One 4-byte readback per step (the kept minimum); only when it is not
// positive (fewer than k * batch scores are positive: all of them are kept, and the smallest positive one moves t)
// a positive count and a second selection follow.
// Matryoshka BatchTopK (matryoshka.ts) is this plus nested prefix losses.
import { batchTopk, fill, saeActivation, saeDot, Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, TrainContext, TrainStep } from "./contract.ts";
import { center, disposeAll } from "./common.ts";
import { familyDecode } from "./topk.ts";
import { familyStep, preActs, scores, unscaled, type FamilyActs } from "./topk_family.ts";

export function thresholdActs(hp: Tensor, t: number): Tensor {
  const d_sae = hp.shape[1];
  const tv = Tensor.from(hp.device, [d_sae], new Float32Array(d_sae).fill(t), "threshold");
  const f = saeActivation("threshold", hp, { v1: tv });
  tv.dispose();
  return f;
}

/**
 * The batch-level selection on scores hp [batch, d_sae]: f (the floor(k * batch) largest positive values, zeros
 * elsewhere) and the smallest kept positive value (null when none is positive).
 */
export async function batchSelect(hp: Tensor, k: number): Promise<{ f: Tensor; kept: number | null }> {
  const [B, d_sae] = hp.shape;
  const kTotal = Math.floor(k * B);
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

/** The family acts of a BatchTopK step, with the threshold update (m.topkThreshold). */
export async function batchActs(m: SaeModel, saeIn: Tensor): Promise<FamilyActs> {
  const pre = preActs(m, saeIn);
  const { hp, norms } = scores(m, pre);
  const { f, kept } = await batchSelect(hp, m.cfg.k as number);
  if (kept !== null) {
    const lr = m.cfg.topk_threshold_lr;
    m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept;
  }
  return { pre, hp, norms, f, f0: unscaled(f, norms) };
}

/** Inference: ReLU(scores) * (scores > t) with the running threshold (the batch selection before any training). */
export async function batchEncode(m: SaeModel, saeIn: Tensor): Promise<Tensor> {
  const pre = preActs(m, saeIn);
  const { hp, norms } = scores(m, pre);
  const t = m.topkThreshold;
  const f = t === null ? (await batchSelect(hp, m.cfg.k as number)).f : thresholdActs(hp, t);
  disposeAll([pre, hp, norms]);
  return f;
}

export const batchtopk: Architecture = {
  name: "batchtopk",
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  encode: batchEncode,
  decode: familyDecode,
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    return familyStep(m, x, saeIn, await batchActs(m, saeIn), ctx);
  },
};
