// The TopK family's config and checkpoint rules (topk, batchtopk, matryoshka_batchtopk): k is required and at most
// d_sae; `sae train` turns rescale_acts_by_decoder_norm on (SAELens's training default for the three); saving folds
// the decoder norms into W_enc / b_enc when rescaling (SAELens process_state_dict_for_saving_inference: unit-norm
// W_dec rows); SAELens 6.18's TopK training config class defaults.
import type { SaeConfig } from "../../config.ts";
import { positiveInt } from "../../config_checks.ts";
import { SaeConfigError } from "../../errors.ts";
import { foldDecoderNorms } from "../../fold.ts";
import type { Exported, HostWeights } from "../contract.ts";

export const TOPK_SAELENS_DEFAULTS = { k: 100, aux_loss_coefficient: 1, rescale_acts_by_decoder_norm: true } as const;

export function validateK(cfg: SaeConfig, where: string): void {
  positiveInt(cfg.k, "k", where);
  if ((cfg.k as number) > cfg.d_sae) {
    throw new SaeConfigError(`${where}: field 'k' (${cfg.k}) exceeds d_sae (${cfg.d_sae})`);
  }
}

export function familyTrainDefaults(): Partial<SaeConfig> {
  return { rescale_acts_by_decoder_norm: true };
}

/** The rescaled family's saved weights: decoder norms folded in (topk keeps the flag; SAELens's TopKSAE reads it). */
export function familyExport(cfg: SaeConfig, host: HostWeights): Exported {
  if (!cfg.rescale_acts_by_decoder_norm) return { cfg, host };
  const folded = foldDecoderNorms(cfg, host, { rescaled: true });
  return { cfg: cfg.architecture === "topk" ? cfg : { ...cfg, rescale_acts_by_decoder_norm: false }, host: folded };
}
