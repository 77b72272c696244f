// BatchTopK SAE (Bussmann et al. 2024, SAELens "batchtopk"): in training, f keeps the k * batch largest
// ReLU(pre) values of the whole batch; a running threshold t <- (1 - lr) t + lr * (smallest kept value) is kept
// and used at inference, where f = ReLU(pre) * (pre > t) (saved as a JumpReLU SAE, as SAELens does).
// The batch threshold comes from each row's top candidates (min(256, d_sae, k * batch) per row), read back to
// the host: exact unless one row holds more than that many of the batch's top values.
import { matmul, saeActivation, Tensor, topk } from "@sae/tensor-core";
import type { Architecture, SaeModel, TrainContext, TrainStep } from "./contract.ts";
import { center, disposeAll } from "./common.ts";
import { masked } from "./topk.ts";

function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

function thresholdActs(pre: Tensor, t: number): Tensor {
  const d_sae = pre.shape[1];
  const tv = Tensor.from(pre.device, [d_sae], new Float32Array(d_sae).fill(t), "threshold");
  const f = saeActivation("threshold", pre, { v1: tv });
  tv.dispose();
  return f;
}

/** The batch-level top-(k * batch) selection: f and the smallest kept value. */
async function batchSelect(pre: Tensor, k: number): Promise<{ f: Tensor; kept: number }> {
  const [B, d_sae] = pre.shape;
  const total = Math.floor(k * B);
  const perRow = Math.min(256, d_sae, total);
  const { values, indices } = topk(pre, perRow);
  const cand = (await values.read()).sort().reverse();
  disposeAll([values, indices]);
  const kept = cand[Math.min(total, cand.length) - 1];
  const below = total < cand.length ? cand[total] : -Infinity;
  return { f: thresholdActs(pre, Math.max(below, 0)), kept };
}

export const batchtopk: Architecture = {
  name: "batchtopk",
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const f = m.topkThreshold === null ? (await batchSelect(pre, m.cfg.k as number)).f : thresholdActs(pre, m.topkThreshold);
    pre.dispose();
    return f;
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    const pre = preActs(m, saeIn);
    const { f, kept } = await batchSelect(pre, m.cfg.k as number);
    if (kept > 0) {
      const lr = m.cfg.topk_threshold_lr;
      m.topkThreshold = (1 - lr) * (m.topkThreshold ?? 0) + lr * kept;
    }
    return masked(m, x, saeIn, pre, f, ctx);
  },
};
