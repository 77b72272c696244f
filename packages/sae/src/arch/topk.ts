// TopK SAE (Gao et al. 2024, SAELens 6.18 "topk"): pre = (x - b_dec) W_enc + b_enc, scores = pre (times ||W_dec[i]||
// with rescale_acts_by_decoder_norm); f keeps each row's k largest scores (ReLU applied), zeros elsewhere; decode
// divides the norms back out. Loss = MSE + aux-k (auxk.ts) over dead latents. The whole step after the encoder GEMM
// goes through the k active latents (topk_sparse.ts), and with dead latents the aux-k term through its k_aux pairs
// per row (auxk_sparse.ts) when k_aux is a small enough part of d_sae; otherwise the aux-k term is dense
// (topk_family.ts, which BatchTopK and Matryoshka, whose rows have no fixed k, also use).
import { div, saeActivation, topk, type Tensor } from "@sae/tensor-core";
import type { Architecture, SaeModel, TrainContext, TrainStep } from "./contract.ts";
import { auxPairsPay } from "./auxk_sparse.ts";
import { unscaleAt } from "./auxk.ts";
import { center, decode, decoderNorms, disposeAll } from "./common.ts";
import { familyStep, preActs, scores, unscaled } from "./topk_family.ts";
import { denseActs, sparseTopkStep } from "./topk_sparse.ts";

/** The k largest of each row of scores: ReLU'd values [batch, k], indices [batch, k] and dense f [batch, d_sae]. */
export function topkActs(hp: Tensor, k: number): { f: Tensor; values: Tensor; indices: Tensor } {
  const top = topk(hp, k);
  const values = saeActivation("relu", top.values);
  top.values.dispose();
  return { f: denseActs(values, top.indices, hp.shape[1]), values, indices: top.indices };
}

/** Inference decode of the family: (f / ||W_dec[i]|| when rescaling) W_dec + b_dec. */
export function familyDecode(m: SaeModel, f: Tensor): Tensor {
  if (!m.cfg.rescale_acts_by_decoder_norm) return decode(m, f);
  const norms = decoderNorms(m);
  const f0 = div(f, norms);
  const out = decode(m, f0);
  disposeAll([norms, f0]);
  return out;
}

export const topkArch: Architecture = {
  name: "topk",
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
