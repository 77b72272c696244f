// Pure evaluation metrics on host arrays, as SAELens's evals.py defines them (float64 accumulation, streamed over
// batches). Reconstruction/sparsity come from (x, x_hat, feature acts); downstream ones from logits.
//   l0            mean over tokens of #{i : f_i > 0}
//   l1            mean over tokens of sum_i f_i
//   mse           mean over tokens and dims of (x - x_hat)^2
//   explained_variance   1 - sum_t ||x_t - x_hat_t||^2 / sum_t ||x_t - mean_t x||^2   (SAELens's "new" formula)
//   cossim        mean over tokens of cos(x_t, x_hat_t);  l2_ratio  mean of ||x_hat_t|| / ||x_t||
//   feature density      fraction of tokens on which each latent fires; dead: density <= dead threshold;
//                 dense: density > dense threshold (default 0.1)
//   ce_loss_score (CE_zero_ablation - CE_with_sae) / (CE_zero_ablation - CE_clean)
//   kl_div_with_sae      mean over tokens of KL(p_clean || p_sae), and kl_div_score = (KL_abl - KL_sae) / KL_abl
import { ShapeError } from "@sae/tensor-core";

export interface ReconstructionMetrics {
  tokens: number;
  l0: number;
  l1: number;
  mse: number;
  explained_variance: number;
  cossim: number;
  l2_ratio: number;
}

/** Streams (x, x_hat, f) batches; finish() gives the metrics over all tokens seen. */
export class ReconstructionAccumulator {
  readonly dIn: number;
  readonly dSae: number;
  private n = 0;
  private l0 = 0;
  private l1 = 0;
  private sqErr = 0;
  private sqNorm = 0;
  private cos = 0;
  private ratio = 0;
  private readonly sumX: Float64Array; // [d_in]
  /** Tokens on which each latent fired. */
  readonly fireCounts: Float64Array; // [d_sae]

  constructor(dIn: number, dSae: number) {
    this.dIn = dIn;
    this.dSae = dSae;
    this.sumX = new Float64Array(dIn);
    this.fireCounts = new Float64Array(dSae);
  }

  /** x, xHat [batch, d_in]; f [batch, d_sae] */
  add(x: ArrayLike<number>, xHat: ArrayLike<number>, f: ArrayLike<number>, batch: number): void {
    const { dIn: d, dSae: s } = this;
    if (x.length !== batch * d || xHat.length !== batch * d || f.length !== batch * s) {
      throw new ShapeError(`ReconstructionAccumulator.add: x ${x.length}, x_hat ${xHat.length}, f ${f.length} values do not fit batch ${batch}, d_in ${d}, d_sae ${s}`);
    }
    for (let b = 0; b < batch; b++) {
      let err = 0;
      let nx = 0;
      let nh = 0;
      let dot = 0;
      for (let c = 0; c < d; c++) {
        const xv = x[b * d + c];
        const hv = xHat[b * d + c];
        err += (xv - hv) ** 2;
        nx += xv * xv;
        nh += hv * hv;
        dot += xv * hv;
        this.sumX[c] += xv;
      }
      this.sqErr += err;
      this.sqNorm += nx;
      this.cos += nx > 0 && nh > 0 ? dot / Math.sqrt(nx * nh) : 0;
      this.ratio += nx > 0 ? Math.sqrt(nh / nx) : 0;
      let l0 = 0;
      let l1 = 0;
      for (let i = 0; i < s; i++) {
        const v = f[b * s + i];
        if (v > 0) {
          l0++;
          this.fireCounts[i]++;
        }
        l1 += v;
      }
      this.l0 += l0;
      this.l1 += l1;
    }
    this.n += batch;
  }

  get tokens(): number {
    return this.n;
  }

  finish(): ReconstructionMetrics {
    const n = this.n;
    let meanSq = 0;
    for (const v of this.sumX) meanSq += (v / n) ** 2;
    const totalSS = this.sqNorm - n * meanSq;
    return {
      tokens: n,
      l0: this.l0 / n,
      l1: this.l1 / n,
      mse: this.sqErr / (n * this.dIn),
      explained_variance: 1 - this.sqErr / totalSS,
      cossim: this.cos / n,
      l2_ratio: this.ratio / n,
    };
  }
}

export interface DensityMetrics {
  dead_fraction: number;
  dense_fraction: number;
  /** log10(density + 1e-10) per latent (SAELens's feature sparsity). */
  log_density: Float64Array;
  histogram: Histogram;
}

export interface Histogram {
  /** Bin edges [bins + 1] */
  edges: number[];
  counts: number[];
}

/** Fixed-width bins over [lo, hi]; values outside are clamped into the end bins. */
export function histogram(values: ArrayLike<number>, bins: number, lo: number, hi: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((values[i] - lo) / w)));
    counts[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * w), counts };
}

/** Density per latent from fire counts over `tokens`; histogram of log10 density on [-10, 0] in 40 bins. */
export function densityMetrics(fireCounts: ArrayLike<number>, tokens: number, deadThreshold = 1e-8, denseThreshold = 0.1): DensityMetrics {
  const n = fireCounts.length;
  const logDensity = new Float64Array(n);
  let dead = 0;
  let dense = 0;
  for (let i = 0; i < n; i++) {
    const d = fireCounts[i] / tokens;
    if (d <= deadThreshold) dead++;
    if (d > denseThreshold) dense++;
    logDensity[i] = Math.log10(d + 1e-10);
  }
  return { dead_fraction: dead / n, dense_fraction: dense / n, log_density: logDensity, histogram: histogram(logDensity, 40, -10, 0) };
}

function logSoftmaxRow(logits: ArrayLike<number>, off: number, v: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < v; j++) max = Math.max(max, logits[off + j]);
  let sum = 0;
  for (let j = 0; j < v; j++) sum += Math.exp(logits[off + j] - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < v; j++) out[j] = logits[off + j] - lse;
}

/** Next-token cross-entropy per position: logits [batch, pos, vocab], tokens [batch, pos] -> [batch, pos - 1]. */
export function crossEntropyPerToken(logits: ArrayLike<number>, tokens: ArrayLike<number>, batch: number, pos: number, vocab: number): Float64Array {
  if (logits.length !== batch * pos * vocab || tokens.length !== batch * pos) throw new ShapeError(`crossEntropyPerToken: logits ${logits.length} / tokens ${tokens.length} values do not fit [${batch}, ${pos}, ${vocab}]`);
  const out = new Float64Array(batch * (pos - 1));
  const lp = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < pos - 1; p++) {
      logSoftmaxRow(logits, (b * pos + p) * vocab, vocab, lp);
      out[b * (pos - 1) + p] = -lp[tokens[b * pos + p + 1]];
    }
  }
  return out;
}

/** KL(p || q) per row with p = softmax(pLogits), q = softmax(qLogits): [rows, vocab] -> [rows]. */
export function klDivPerToken(pLogits: ArrayLike<number>, qLogits: ArrayLike<number>, rows: number, vocab: number): Float64Array {
  if (pLogits.length !== rows * vocab || qLogits.length !== rows * vocab) throw new ShapeError(`klDivPerToken: ${pLogits.length} / ${qLogits.length} values do not fit [${rows}, ${vocab}]`);
  const out = new Float64Array(rows);
  const lp = new Float64Array(vocab);
  const lq = new Float64Array(vocab);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(pLogits, r * vocab, vocab, lp);
    logSoftmaxRow(qLogits, r * vocab, vocab, lq);
    let kl = 0;
    for (let j = 0; j < vocab; j++) kl += Math.exp(lp[j]) * (lp[j] - lq[j]);
    out[r] = kl;
  }
  return out;
}

export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** (CE_zero_ablation - CE_with_sae) / (CE_zero_ablation - CE_clean): 1 = perfect, 0 = as bad as zero ablation. */
export function ceLossScore(ceClean: number, ceWithSae: number, ceZeroAblation: number): number {
  return (ceZeroAblation - ceWithSae) / (ceZeroAblation - ceClean);
}

/** (KL_ablation - KL_sae) / KL_ablation. */
export function klDivScore(klWithSae: number, klWithAblation: number): number {
  return (klWithAblation - klWithSae) / klWithAblation;
}
