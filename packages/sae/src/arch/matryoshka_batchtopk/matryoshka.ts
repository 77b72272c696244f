// Matryoshka BatchTopK SAE (Bussmann et al. 2025, SAELens 6.18 "matryoshka_batchtopk"): a BatchTopK SAE whose loss
// adds, for every width w in matryoshka_widths but the last (= d_sae), the MSE of the prefix reconstruction
// f[:, :w] W_dec[:w] + b_dec (inner_mse_loss_<w>), so early latents learn to reconstruct alone. Inference and the
// saved checkpoint are BatchTopK's (a JumpReLU SAE with the running threshold, as SAELens exports it).
import type { Architecture, SaeModel, TrainContext, TrainStep } from "../contract.ts";
import { batchActivate, batchActs, batchEncode, batchExport } from "../batchtopk/batchtopk.ts";
import { familyTrainDefaults, TOPK_SAELENS_DEFAULTS, validateK } from "../family/config.ts";
import { checkWidths } from "./widths.ts";
import { batchCpuActs, familyCpuLosses } from "../family/cpu.ts";
import { center } from "../common.ts";
import { familyDecode, familyStep } from "../family/family.ts";

export const matryoshkaBatchtopk: Architecture = {
  name: "matryoshka_batchtopk",
  cpu: { acts: batchCpuActs, losses: (s) => familyCpuLosses(s, (s.cfg.matryoshka_widths ?? []).slice(0, -1)) },
  topkFamily: true,
  coefficient: null,
  ghostGrads: false,
  saelensTrainingDefaults: { ...TOPK_SAELENS_DEFAULTS, topk_threshold_lr: 0.01 },
  usesDeadMask: () => true,
  // SAELens has no usable default (its [] fails validation): a quarter of the latents, then all
  trainDefaults: (d_sae) => ({ ...familyTrainDefaults(), matryoshka_widths: [Math.floor(d_sae / 4), d_sae] }),
  validate(cfg, where) {
    validateK(cfg, where);
    checkWidths(cfg, where);
  },
  exportInference: batchExport,
  activate: batchActivate,
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  encode: batchEncode,
  decode: familyDecode,
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    const widths = m.cfg.matryoshka_widths ?? [m.cfg.d_sae];
    return familyStep(m, x, saeIn, await batchActs(m, saeIn), ctx, { widths });
  },
};
