// Pure evaluation metrics on host arrays, with the definitions and reductions of SAELens 6.18's evals.py
// (get_sparsity_and_variance_metrics, get_recons_loss, _kl), float64 accumulation, streamed batch by batch.
// Special-token positions are masked out of every average (keep[t] = 0). Per batch b with n_b kept tokens t:
//   l0, l1           mean over tokens of #{i : f_i > 0} and of sum_i f_i
//   mse              mean over tokens of ||x_t - x_hat_t||^2 / n_b   (SAELens divides by the batch's token count)
//   explained_variance   1 - mean_b(mean_t r_t) / (mean_b(mean_t ||x_t||^2) - mean_{b,d}(mean_t x_td^2)^2)
//                    with r_t = ||x_t - x_hat_t||^2 (SAELens's "new" formula, including its squared scalar mean)
//   explained_variance_legacy   mean over tokens of 1 - r_t / ||x_t - mean_batch(x)||^2
//   explained_variance_textbook 1 - sum_t r_t / sum_t ||x_t - mean_all(x)||^2 (not SAELens; the usual definition)
//   cossim           mean over tokens of <x, x_hat> / (||x|| ||x_hat||)   (NaN for a zero vector, as torch gives)
//   l2_norm_in/out   mean over tokens of ||x||, ||x_hat||; l2_ratio mean of ||x_hat|| / ||x|| (||x|| < 1e-4 -> 1)
//   relative_reconstruction_bias   mean over batches of mean_t ||x_hat||^2 / mean_t <x, x_hat>
//   feature_density  fires / kept tokens; consistent_activation_heuristic  fires / prompts with >= 1 fire
//   ce_loss_score    (CE_zero_ablation - CE_with_sae) / (CE_zero_ablation - CE_clean)
//   kl_div_with_sae  mean over tokens of KL(p_clean || p_sae); kl_div_score = (KL_abl - KL_sae) / KL_abl
import { ShapeError } from "@sae/tensor-core";
import { logSoftmaxRow } from "@sae/transformer";

export interface ReconstructionMetrics {
  /** Kept (not special) tokens evaluated. */
  tokens: number;
  l0: number;
  l1: number;
  mse: number;
  explained_variance: number;
  explained_variance_legacy: number;
  explained_variance_textbook: number;
  cossim: number;
  l2_norm_in: number;
  l2_norm_out: number;
  l2_ratio: number;
  relative_reconstruction_bias: number;
}

/** Per-latent statistics (SAELens's feature_metrics from the activations). */
export interface FeatureMetrics {
  feature_density: number[]; // [d_sae]
  consistent_activation_heuristic: number[]; // [d_sae]
}

/** Streams (x, x_hat, f) batches of whole prompts; finish() gives the metrics over all kept tokens seen. */
export class ReconstructionAccumulator {
  readonly dIn: number;
  readonly dSae: number;
  private n = 0;
  private l0 = 0;
  private l1 = 0;
  private mse = 0;
  private evLegacy = 0;
  private cos = 0;
  private normIn = 0;
  private normOut = 0;
  private ratio = 0;
  private rrb = 0;
  private meanSq = 0; // sum over batches of mean_t ||x_t||^2
  private meanActDim = 0; // sum over batches of mean_d mean_t x_td^2
  private meanResid = 0; // sum over batches of mean_t r_t
  private batches = 0;
  private sqErr = 0;
  private sqNorm = 0;
  private readonly sumX: Float64Array; // [d_in]
  /** Kept tokens on which each latent fired. */
  readonly fireCounts: Float64Array; // [d_sae]
  /** Prompts on which each latent fired at least once. */
  readonly promptCounts: Float64Array; // [d_sae]

  constructor(dIn: number, dSae: number) {
    this.dIn = dIn;
    this.dSae = dSae;
    this.sumX = new Float64Array(dIn);
    this.fireCounts = new Float64Array(dSae);
    this.promptCounts = new Float64Array(dSae);
  }

  /**
   * x, xHat [batch * pos, d_in]; f [batch * pos, d_sae]; keep [batch * pos] (0 = special token, left out).
   * One call is one SAELens eval batch (its per-batch reductions: mse, relative bias, explained variance).
   */
  add(x: ArrayLike<number>, xHat: ArrayLike<number>, f: ArrayLike<number>, keep: ArrayLike<number>, batch: number, pos: number): void {
    const { dIn: d, dSae: s } = this;
    const rows = batch * pos;
    if (x.length !== rows * d || xHat.length !== rows * d || f.length !== rows * s || keep.length !== rows) {
      throw new ShapeError(`ReconstructionAccumulator.add: x ${x.length}, x_hat ${xHat.length}, f ${f.length}, keep ${keep.length} values do not fit [${batch}, ${pos}], d_in ${d}, d_sae ${s}`);
    }
    let nb = 0;
    const mean = new Float64Array(d); // [d_in] batch mean of kept x
    const meanSqDim = new Float64Array(d);
    for (let t = 0; t < rows; t++) {
      if (!keep[t]) continue;
      nb++;
      for (let c = 0; c < d; c++) {
        const v = x[t * d + c];
        mean[c] += v;
        meanSqDim[c] += v * v;
        this.sumX[c] += v;
      }
    }
    if (nb === 0) return;
    for (let c = 0; c < d; c++) mean[c] /= nb;
    const resid = new Float64Array(rows);
    let sumSq = 0;
    let sumResid = 0;
    let sumHatSq = 0;
    let sumDot = 0;
    for (let t = 0; t < rows; t++) {
      if (!keep[t]) continue;
      let r = 0;
      let nx = 0;
      let nh = 0;
      let dot = 0;
      let centred = 0;
      for (let c = 0; c < d; c++) {
        const xv = x[t * d + c];
        const hv = xHat[t * d + c];
        r += (xv - hv) ** 2;
        nx += xv * xv;
        nh += hv * hv;
        dot += xv * hv;
        centred += (xv - mean[c]) ** 2;
      }
      resid[t] = r;
      sumSq += nx;
      sumResid += r;
      sumHatSq += nh;
      sumDot += dot;
      const lin = Math.sqrt(nx);
      const lout = Math.sqrt(nh);
      this.normIn += lin;
      this.normOut += lout;
      this.ratio += lout / (Math.abs(lin) < 1e-4 ? 1 : lin);
      this.cos += dot / (lin * lout);
      this.evLegacy += 1 - r / centred;
      this.mse += r / nb;
      this.sqErr += r;
      this.sqNorm += nx;
      let l0 = 0;
      let l1 = 0;
      for (let i = 0; i < s; i++) {
        const v = f[t * s + i];
        if (v > 0) {
          l0++;
          this.fireCounts[i]++;
        }
        l1 += v;
      }
      this.l0 += l0;
      this.l1 += l1;
    }
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < s; i++) {
        for (let p = 0; p < pos; p++) {
          const t = b * pos + p;
          if (keep[t] && f[t * s + i] > 0) {
            this.promptCounts[i]++;
            break;
          }
        }
      }
    }
    let actDim = 0;
    for (let c = 0; c < d; c++) actDim += meanSqDim[c] / nb;
    this.meanSq += sumSq / nb;
    this.meanActDim += actDim / d;
    this.meanResid += sumResid / nb;
    this.rrb += sumHatSq / nb / (sumDot / nb);
    this.batches++;
    this.n += nb;
  }

  get tokens(): number {
    return this.n;
  }

  finish(): ReconstructionMetrics {
    const { n, batches: nb } = this;
    let globalMeanSq = 0;
    for (const v of this.sumX) globalMeanSq += (v / n) ** 2;
    const totalVariance = this.meanSq / nb - (this.meanActDim / nb) ** 2;
    return {
      tokens: n,
      l0: this.l0 / n,
      l1: this.l1 / n,
      mse: this.mse / n,
      explained_variance: 1 - this.meanResid / nb / totalVariance,
      explained_variance_legacy: this.evLegacy / n,
      explained_variance_textbook: 1 - this.sqErr / (this.sqNorm - n * globalMeanSq),
      cossim: this.cos / n,
      l2_norm_in: this.normIn / n,
      l2_norm_out: this.normOut / n,
      l2_ratio: this.ratio / n,
      relative_reconstruction_bias: this.rrb / nb,
    };
  }

  featureMetrics(): FeatureMetrics {
    return {
      feature_density: Array.from(this.fireCounts, (c) => c / this.n),
      consistent_activation_heuristic: Array.from(this.fireCounts, (c, i) => c / this.promptCounts[i]),
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
