// Parameter initialisation on the host (SAELens 6.18 TrainingSAE.initialize_weights): W_dec kaiming-uniform
// (+-1/sqrt(d_in)) with rows scaled to decoder_init_norm, W_enc = W_dec^T (tied start; with
// init_encoder_as_decoder_transpose false, SAELens 5's independent kaiming-uniform W_enc, +-1/sqrt(d_sae)); biases
// zero, as every other parameter is unless the architecture sets it (initParams: jumprelu log_threshold =
// log(jumprelu_init_threshold)).
// Also b_dec initialisers from data: the mean, or the geometric median by Weiszfeld iterations.
import { Rng } from "@sae/tensor-core";
import { architecture } from "./arch/registry.ts";
import type { SaeConfig } from "./config.ts";

export function initHostParams(cfg: SaeConfig, seed = 0): Record<string, Float32Array> {
  const { d_in, d_sae } = cfg;
  const rng = new Rng(seed);
  const bound = 1 / Math.sqrt(d_in);
  const W_dec = rng.uniformArray(d_sae * d_in, -bound, bound); // [d_sae, d_in]
  for (let i = 0; i < d_sae; i++) {
    let s = 0;
    for (let c = 0; c < d_in; c++) s += W_dec[i * d_in + c] ** 2;
    const k = cfg.decoder_init_norm / Math.sqrt(s || 1);
    for (let c = 0; c < d_in; c++) W_dec[i * d_in + c] *= k;
  }
  let W_enc = new Float32Array(d_in * d_sae); // [d_in, d_sae]
  if (cfg.init_encoder_as_decoder_transpose) {
    for (let i = 0; i < d_sae; i++) for (let c = 0; c < d_in; c++) W_enc[c * d_sae + i] = W_dec[i * d_in + c];
  } else {
    W_enc = Float32Array.from(rng.uniformArray(d_in * d_sae, -1 / Math.sqrt(d_sae), 1 / Math.sqrt(d_sae)));
  }
  const arch = architecture(cfg.architecture);
  const p: Record<string, Float32Array> = { W_enc, W_dec };
  for (const [name, shape] of Object.entries(arch.paramShapes(cfg))) {
    p[name] ??= new Float32Array(shape.reduce((a, b) => a * b, 1));
  }
  arch.initParams?.(cfg, p);
  return p;
}

/** Mean of n points [n, d]. */
export function meanOf(points: Float32Array, d: number): Float32Array {
  const n = points.length / d;
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c] += points[i * d + c];
  return Float32Array.from(out, (v) => v / n);
}

/**
 * Geometric median of n points [n, d] (the point minimising the sum of Euclidean distances), by Weiszfeld
 * iterations from the mean, stopping when the step is below tol relative to the spread.
 */
export function geometricMedian(points: Float32Array, d: number, maxIter = 100, tol = 1e-6): Float32Array {
  const n = points.length / d;
  let y = Float64Array.from(meanOf(points, d));
  for (let it = 0; it < maxIter; it++) {
    const num = new Float64Array(d);
    let den = 0;
    for (let i = 0; i < n; i++) {
      let dist = 0;
      for (let c = 0; c < d; c++) dist += (points[i * d + c] - y[c]) ** 2;
      const w = 1 / Math.max(Math.sqrt(dist), 1e-12);
      den += w;
      for (let c = 0; c < d; c++) num[c] += w * points[i * d + c];
    }
    let move = 0;
    let size = 0;
    for (let c = 0; c < d; c++) {
      const next = num[c] / den;
      move += (next - y[c]) ** 2;
      size += next * next;
      y[c] = next;
    }
    if (Math.sqrt(move) <= tol * Math.max(1, Math.sqrt(size))) break;
  }
  return Float32Array.from(y);
}

/** sqrt(d_in) / mean_b ||x_b||: the expected_average_only_in scale that gives inputs norm sqrt(d_in) on average. */
export function activationNormScale(points: Float32Array, d: number): number {
  const n = points.length / d;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let c = 0; c < d; c++) q += points[i * d + c] ** 2;
    s += Math.sqrt(q);
  }
  return Math.sqrt(d) / (s / n);
}
