// SAELens's get_featurewise_weight_based_metrics (evals.py) on host weights: per latent, the encoder column norm,
// the cosine between encoder column and decoder row, and the encoder bias when the architecture has `b_enc`.
import { ShapeError } from "@sae/tensor-core";

export interface WeightMetrics {
  encoder_norm: number[]; // [d_sae]
  encoder_decoder_cosine_sim: number[]; // [d_sae]
  encoder_bias?: number[]; // [d_sae]
}

/** W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc [d_sae] or null (gated has none). */
export function weightMetrics(
  W_enc: ArrayLike<number>,
  W_dec: ArrayLike<number>,
  b_enc: ArrayLike<number> | null,
  dIn: number,
  dSae: number,
): WeightMetrics {
  if (W_enc.length !== dIn * dSae || W_dec.length !== dIn * dSae || (b_enc && b_enc.length !== dSae)) {
    throw new ShapeError(`weightMetrics: W_enc ${W_enc.length}, W_dec ${W_dec.length} values do not fit d_in ${dIn}, d_sae ${dSae}`);
  }
  const norm = new Array<number>(dSae);
  const cos = new Array<number>(dSae);
  for (let i = 0; i < dSae; i++) {
    let ne = 0;
    let nd = 0;
    let dot = 0;
    for (let c = 0; c < dIn; c++) {
      const e = W_enc[c * dSae + i];
      const w = W_dec[i * dIn + c];
      ne += e * e;
      nd += w * w;
      dot += e * w;
    }
    norm[i] = Math.sqrt(ne);
    // SAELens normalises both to unit norm, then torch's cosine_similarity (eps 1e-8 on each norm) of the two.
    cos[i] = dot / (Math.sqrt(ne) * Math.sqrt(nd));
  }
  const out: WeightMetrics = { encoder_norm: norm, encoder_decoder_cosine_sim: cos };
  if (b_enc) out.encoder_bias = Array.from(b_enc);
  return out;
}
