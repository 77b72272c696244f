// SAELens's fold_W_dec_norm on host parameters (training layout): with n_i = ||W_dec[i]||, W_dec[i] /= n_i,
// W_enc[:, i] *= n_i, and every per-latent bias / threshold the encoder compares against scales with it
// (b_enc; gated b_gate and b_mag, r_mag unchanged; JumpReLU threshold, stored here as log_threshold += log n_i).
// TopK is refused as in SAELens when rescale_acts_by_decoder_norm is off (the k largest could change).
// Transcoders (W_dec [d_sae, d_out], a plain `threshold`; W_skip unchanged) fold the same way.
import { SaeConfigError } from "./errors.ts";

/** What folding reads of a config (SaeConfig and TranscoderConfig fit). */
export interface FoldConfig {
  architecture: string;
  d_in: number;
  d_sae: number;
  /** Decoder width when it is not d_in (transcoders). */
  d_out?: number;
  rescale_acts_by_decoder_norm?: boolean;
}

/** `rescaled`: the SAE scales by decoder norms (rescale_acts_by_decoder_norm), which makes folding exact for TopK. */
export function foldDecoderNorms(cfg: FoldConfig, host: Record<string, Float32Array>, opts: { rescaled?: boolean } = {}): Record<string, Float32Array> {
  const { d_in, d_sae, architecture } = cfg;
  const d_w = cfg.d_out ?? d_in; // W_dec row width
  const rescaled = opts.rescaled || cfg.rescale_acts_by_decoder_norm === true;
  if (architecture === "topk" && !rescaled) {
    throw new SaeConfigError("fold_W_dec_norm: not safe for a TopK SAE without rescale_acts_by_decoder_norm (it may change the top k), as in SAELens");
  }
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(host)) out[k] = v.slice();
  const norms = new Float32Array(d_sae);
  for (let i = 0; i < d_sae; i++) {
    let s = 0;
    for (let c = 0; c < d_w; c++) s += host.W_dec[i * d_w + c] ** 2;
    norms[i] = Math.fround(Math.sqrt(s));
    for (let c = 0; c < d_w; c++) out.W_dec[i * d_w + c] = host.W_dec[i * d_w + c] / norms[i];
  }
  for (let c = 0; c < d_in; c++) for (let i = 0; i < d_sae; i++) out.W_enc[c * d_sae + i] = host.W_enc[c * d_sae + i] * norms[i];
  for (const bias of ["b_enc", "b_gate", "b_mag", "threshold"]) {
    if (out[bias]) for (let i = 0; i < d_sae; i++) out[bias][i] = host[bias][i] * norms[i];
  }
  if (out.log_threshold) for (let i = 0; i < d_sae; i++) out.log_threshold[i] = Math.log(Math.exp(host.log_threshold[i]) * norms[i]);
  return out;
}
