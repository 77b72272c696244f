// TopK SAE (Gao et al. 2024, SAELens 6.18 "topk"): pre = (x - b_dec) W_enc + b_enc, scores = pre (times ||W_dec[i]||
// with rescale_acts_by_decoder_norm); f keeps each row's k largest scores (ReLU applied), zeros elsewhere; decode
// divides the norms back out. Loss = MSE + aux-k (family/auxk.ts) over dead latents. The whole step after the encoder GEMM
// goes through the k active latents (topk/sparse.ts), and with dead latents the aux-k term through its k_aux pairs
// per row (family/auxk_sparse.ts) when k_aux is a small enough part of d_sae; otherwise the aux-k term is dense
// (family/family.ts, which BatchTopK and Matryoshka, whose rows have no fixed k, also use). When [batch, d_sae] is
// over one binding and no latent is dead, the encoder GEMM and top-k run in row blocks (topk/blocks.ts).
import { saeActivation, topk, type Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, TrainContext, TrainStep } from "../contract.ts";
import { auxPairsPay } from "../family/auxk_sparse.ts";
import { unscaleAt } from "../family/auxk.ts";
import { center, decoderNorms, disposeAll } from "../common.ts";
import { familyDecode, familyStep, preActs, scores, unscaled } from "../family/family.ts";
import { denseActs } from "../pairs.ts";
import { sparseTopkStep } from "./sparse.ts";
import { familyCpuLosses, topkCpuActs } from "../family/cpu.ts";
import { denseScores, selectsInBlocks, topkInBlocks } from "./blocks.ts";
import { familyExport, familyTrainDefaults, TOPK_SAELENS_DEFAULTS, validateK } from "../family/config.ts";

/** The k largest of each row of scores: ReLU'd values [batch, k], indices [batch, k] and dense f [batch, d_sae]. */
export function topkActs(hp: Tensor, k: number): { f: Tensor; values: Tensor; indices: Tensor } {
  const top = topk(hp, k);
  const values = saeActivation("relu", top.values);
  top.values.dispose();
  return { f: denseActs(values, top.indices, hp.shape[1]), values, indices: top.indices };
}

/** The pair step with the encoder GEMM, top-k and aux-k selections in row blocks (no dense [batch, d_sae]). */
function blockStep(m: SaeModel, x: Tensor, saeIn: Tensor, ctx: TrainContext): TrainStep {
  const norms = m.cfg.rescale_acts_by_decoder_norm ? decoderNorms(m) : null;
  const top = topkInBlocks(m, saeIn, m.cfg.k as number, norms, ctx);
  const shown = saeActivation("relu", top.values); // [batch, k] on the score scale
  top.values.dispose();
  const values = norms ? unscaleAt(shown, top.indices, norms) : shown; // [batch, k] decoded
  const hp = { dSae: m.cfg.d_sae, make: () => denseScores(m, saeIn, norms) };
  return sparseTopkStep(m, x, saeIn, { pre: null, hp, norms, aux: top.aux }, { shown, values, indices: top.indices }, ctx);
}

export const topkArch: Architecture = {
  name: "topk",
  cpu: { acts: topkCpuActs, losses: (s) => familyCpuLosses(s, []) },
  topkFamily: true,
  coefficient: null,
  ghostGrads: false,
  saelensTrainingDefaults: TOPK_SAELENS_DEFAULTS,
  usesDeadMask: () => true,
  trainDefaults: familyTrainDefaults,
  validate: validateK,
  exportInference: familyExport,
  activate(m, pre) {
    const { hp, norms } = scores(m, pre);
    const { f, values, indices } = topkActs(hp, m.cfg.k as number);
    disposeAll([values, indices, norms, hp === pre ? null : hp]);
    return f;
  },
  paramShapes: ({ d_in, d_sae }) => ({ W_enc: [d_in, d_sae], b_enc: [d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] }),
  async encode(m, saeIn) {
    const pre = preActs(m, saeIn);
    const { hp, norms } = scores(m, pre);
    const { f, values, indices } = topkActs(hp, m.cfg.k as number);
    disposeAll([pre, hp, norms, values, indices]);
    return f;
  },
  decode: familyDecode,
  async trainForward(m: SaeModel, x, ctx: TrainContext): Promise<TrainStep> {
    const saeIn = center(m, x);
    if (selectsInBlocks(m, x.shape[0])) return blockStep(m, x, saeIn, ctx);
    const pre = preActs(m, saeIn);
    const { hp, norms } = scores(m, pre);
    const top = topk(hp, m.cfg.k as number);
    const shown = saeActivation("relu", top.values); // [batch, k] on the score scale
    top.values.dispose();
    const values = norms ? unscaleAt(shown, top.indices, norms) : shown; // [batch, k] decoded
    if (auxPairsPay(m, ctx)) {
      return sparseTopkStep(m, x, saeIn, { pre, hp, norms }, { shown, values, indices: top.indices }, ctx);
    }
    const f = denseActs(shown, top.indices, m.cfg.d_sae);
    const f0 = unscaled(f, norms);
    if (shown !== values) shown.dispose();
    return familyStep(m, x, saeIn, { pre, hp, norms, f, f0 }, ctx, { sparse: { values, indices: top.indices } });
  },
};
