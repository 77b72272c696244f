// BatchTopK SAE (Bussmann et al. 2024, SAELens 6.18 "batchtopk"): in training, f keeps the k * batch largest
// ReLU(scores) of the whole batch (scores = pre, times ||W_dec[i]|| with rescale_acts_by_decoder_norm), through the
// exact `batchTopk` kernel; the running threshold t <- (1 - lr) t + lr * (smallest positive kept value), skipped when
// none is positive, is kept in float64 as SAELens does and used at inference, where f = ReLU(scores) * (scores > t)
// (saved as a JumpReLU SAE, as SAELens does). No readback in a dense training step: each step's smallest kept
// positive value (the selection's threshold, or when fewer than k * batch scores are positive, the smallest of them,
// all kept) is logged on the device and folded into t in float64 when it is needed (threshold.ts).
// With [batch, d_sae] over one binding the selection runs in row blocks, exactly (blocks.ts).
// Matryoshka BatchTopK (matryoshka_batchtopk/) is this plus nested prefix losses.
import { batchTopk, saeActivation, Tensor } from "@sae/tensor-core";
import type { SaeConfig } from "../../config.ts";
import type { Architecture, Exported, HostWeights, SaeModel, TrainContext, TrainStep } from "../contract.ts";
import { center, disposeAll } from "../common.ts";
import { familyExport, familyTrainDefaults, TOPK_SAELENS_DEFAULTS, validateK } from "../family/config.ts";
import { SaeConfigError } from "../../errors.ts";
import { batchCpuActs, familyCpuLosses } from "../family/cpu.ts";
import { familyDecode, familyStep, preActs, scores, unscaled, type FamilyActs } from "../family/family.ts";
import { selectsInBlocks } from "../topk/blocks.ts";
import { batchBlockStep } from "./blocks.ts";
import { batchSelect } from "./select.ts";
import { logKept, settleTopkThreshold, thresholdPending } from "./threshold.ts";

export function thresholdActs(hp: Tensor, t: number): Tensor {
  const d_sae = hp.shape[1];
  const tv = Tensor.from(hp.device, [d_sae], new Float32Array(d_sae).fill(t), "threshold");
  const f = saeActivation("threshold", hp, { v1: tv });
  tv.dispose();
  return f;
}

/** The family acts of a BatchTopK step; the threshold update waits on the device (settleTopkThreshold). */
export async function batchActs(m: SaeModel, saeIn: Tensor): Promise<FamilyActs> {
  const pre = preActs(m, saeIn);
  const { hp, norms } = scores(m, pre);
  const { out: f, threshold } = batchTopk(hp, Math.floor((m.cfg.k as number) * hp.shape[0]));
  await logKept(m, f, threshold); // f ReLU'd in place when fewer than k * batch scores are positive
  threshold.dispose();
  return { pre, hp, norms, f, f0: unscaled(f, norms) };
}

/** Inference: ReLU(scores) * (scores > t) with the running threshold (the batch selection before any training). */
export async function batchEncode(m: SaeModel, saeIn: Tensor): Promise<Tensor> {
  await settleTopkThreshold(m);
  const pre = preActs(m, saeIn);
  const { hp, norms } = scores(m, pre);
  const t = m.topkThreshold;
  const f = t === null ? (await batchSelect(hp, m.cfg.k as number)).f : thresholdActs(hp, t);
  disposeAll([pre, hp, norms]);
  return f;
}

/** Inference from a (possibly edited) hidden_pre: needs the trained running threshold. */
export function batchActivate(m: SaeModel, pre: Tensor): Tensor {
  if (thresholdPending(m)) {
    const what = `${m.cfg.architecture} SAE: training steps wait in the threshold log`;
    throw new SaeConfigError(`${what}; await settleTopkThreshold(sae) first`);
  }
  if (m.topkThreshold === null) {
    const what = `${m.cfg.architecture} SAE: the acts_pre hook point`;
    throw new SaeConfigError(`${what} needs a trained topk_threshold (this SAE has none)`);
  }
  const { hp, norms } = scores(m, pre);
  const f = thresholdActs(hp, m.topkThreshold);
  disposeAll([norms, hp === pre ? null : hp]);
  return f;
}

/** SAELens saves BatchTopK (and Matryoshka) SAEs as JumpReLU SAEs whose threshold is the running topk_threshold. */
export function batchExport(cfg: SaeConfig, host: HostWeights, t: number | null): Exported {
  const r = familyExport(cfg, host);
  const threshold = new Float32Array(cfg.d_sae).fill(t ?? 0);
  return { cfg: { ...r.cfg, architecture: "jumprelu", matryoshka_widths: null }, host: { ...r.host, threshold } };
}

export const batchtopk: Architecture = {
  name: "batchtopk",
  cpu: { acts: batchCpuActs, losses: (s) => familyCpuLosses(s, []) },
  topkFamily: true,
  coefficient: null,
  ghostGrads: false,
  saelensTrainingDefaults: { ...TOPK_SAELENS_DEFAULTS, topk_threshold_lr: 0.01 },
  usesDeadMask: () => true,
  trainDefaults: familyTrainDefaults,
  validate: validateK,
  exportInference: batchExport,
  activate: batchActivate,
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  encode: batchEncode,
  decode: familyDecode,
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    if (selectsInBlocks(m, x.shape[0])) {
      await settleTopkThreshold(m); // the row-blocked selection updates m.topkThreshold itself, after the logged steps
      return batchBlockStep(m, x, saeIn, ctx);
    }
    return familyStep(m, x, saeIn, await batchActs(m, saeIn), ctx);
  },
};
