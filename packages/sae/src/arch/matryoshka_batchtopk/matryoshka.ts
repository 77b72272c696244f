// Matryoshka BatchTopK SAE (Bussmann et al. 2025, SAELens 6.18 "matryoshka_batchtopk"): a BatchTopK SAE whose loss
// adds, for every width w in matryoshka_widths but the last (= d_sae), the MSE of the prefix reconstruction
// f[:, :w] W_dec[:w] + b_dec (inner_mse_loss_<w>), so early latents learn to reconstruct alone. Inference and the
// saved checkpoint are BatchTopK's (a JumpReLU SAE with the running threshold, as SAELens exports it).
import type { Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, TrainContext, TrainStep } from "../contract.ts";
import type { PairRows } from "../pair_rows.ts";
import { batchActs, batchtopk } from "../batchtopk/batchtopk.ts";
import { familyTrainDefaults, validateK } from "../family/config.ts";
import { checkWidths } from "./widths.ts";
import { batchCpuActs, familyCpuLosses } from "../family/cpu.ts";
import { center } from "../common.ts";
import { familyStep } from "../family/family.ts";
import { selectsInBlocks } from "../topk/blocks.ts";
import { batchBlockStep } from "../batchtopk/blocks.ts";
import { pairLevels } from "./pair_levels.ts";

/** BatchTopK in everything but its name, the inner losses, the default widths, their check and the step. */
export const matryoshkaBatchtopk: Architecture = {
  ...batchtopk,
  name: "matryoshka_batchtopk",
  cpu: { acts: batchCpuActs, losses: (s) => familyCpuLosses(s, (s.cfg.matryoshka_widths ?? []).slice(0, -1)) },
  // SAELens has no usable default (its [] fails validation): a quarter of the latents, then all
  trainDefaults: (d_sae) => ({ ...familyTrainDefaults(), matryoshka_widths: [Math.floor(d_sae / 4), d_sae] }),
  validate(cfg, where) {
    validateK(cfg, where);
    checkWidths(cfg, where);
  },
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    const widths = m.cfg.matryoshka_widths ?? [m.cfg.d_sae];
    if (selectsInBlocks(m, x.shape[0])) {
      const levels = (values: Tensor, indices: Tensor, rows: PairRows) =>
        pairLevels(m, values, indices, x, widths, rows);
      return batchBlockStep(m, x, saeIn, ctx, levels);
    }
    return familyStep(m, x, saeIn, await batchActs(m, saeIn), ctx, { widths });
  },
};
