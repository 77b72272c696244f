// One pass over a corpus's feature activations that keeps, for every feature at once: the top-N max-activating
// examples (a token window with the feature's activation at each token), a uniform reservoir of activating
// examples split into quantile buckets at the end, a reservoir of activation values for the histogram, and the
// activation density. Streaming: memory is O(d_sae * (topN + reservoir) * window), not O(corpus).
import { LimitError, Rng } from "@sae/tensor-core";
import { TopHeap } from "./topn.ts";

export interface ActivationExample {
  /** Sequence number in the corpus and position inside it of the activating token. */
  seq: number;
  pos: number;
  /** The feature's activation at that token. */
  value: number;
  /** Token ids of the window around it, and the feature's activation at each of them. */
  tokens: number[];
  acts: number[];
  /** Index of the activating token inside the window. */
  center: number;
}

export interface QuantileBucket {
  /** Rank range of the bucket among the activating tokens, as fractions (e.g. 0.8 .. 1 = the top fifth). */
  qLo: number;
  qHi: number;
  /** Activation range of the examples shown. */
  lo: number;
  hi: number;
  examples: ActivationExample[];
}

export interface FeatureStats {
  index: number;
  /** Tokens where the feature is > 0, and that count over all tokens seen. */
  nActive: number;
  density: number;
  maxAct: number;
  /** Mean activation over the tokens where it is active. */
  meanAct: number;
  top: ActivationExample[];
  /** Highest bucket first. */
  buckets: QuantileBucket[];
  /** Estimated counts of activating tokens per bin; edges.length = counts.length + 1, from 0 to maxAct. */
  histogram: { edges: number[]; counts: number[] };
}

export interface CollectOptions {
  topN: number;
  /** Tokens shown before and after the activating token. */
  before: number;
  after: number;
  buckets: number;
  perBucket: number;
  histogramSamples: number;
  histogramBins: number;
  /** Leave position 0 out (it holds BOS when the sequences start with one). */
  skipFirstPosition: boolean;
  seed: number;
}

export const COLLECT_DEFAULTS: CollectOptions = {
  topN: 20,
  before: 8,
  after: 4,
  buckets: 5,
  perBucket: 4,
  histogramSamples: 256,
  histogramBins: 24,
  skipFirstPosition: true,
  seed: 0,
};

export class FeatureCollector {
  readonly d_sae: number;
  readonly opts: CollectOptions;
  /** Tokens seen (positions counted toward density). */
  tokens = 0;
  sequences = 0;
  private count: Float64Array;
  private sum: Float64Array;
  private max: Float32Array;
  private top: TopHeap<ActivationExample>[];
  private reservoir: ActivationExample[][];
  private values: number[][];
  private rng: Rng;

  constructor(d_sae: number, opts: Partial<CollectOptions> = {}) {
    this.d_sae = d_sae;
    this.opts = { ...COLLECT_DEFAULTS, ...opts };
    this.count = new Float64Array(d_sae);
    this.sum = new Float64Array(d_sae);
    this.max = new Float32Array(d_sae);
    this.top = Array.from({ length: d_sae }, () => new TopHeap<ActivationExample>(this.opts.topN));
    this.reservoir = Array.from({ length: d_sae }, () => []);
    this.values = Array.from({ length: d_sae }, () => []);
    this.rng = new Rng(this.opts.seed + 1);
  }

  /** Adds a batch: ids [batch][pos], acts [batch * pos, d_sae] (row = b * pos + p). */
  add(ids: readonly (readonly number[])[], acts: Float32Array): void {
    const d = this.d_sae;
    const pos = ids[0]?.length ?? 0;
    if (acts.length !== ids.length * pos * d) {
      throw new LimitError(`FeatureCollector.add: acts has ${acts.length} values, expected batch ${ids.length} x pos ${pos} x d_sae ${d}`);
    }
    const { before, after, buckets, perBucket, histogramSamples } = this.opts;
    const R = buckets * perBucket;
    const p0 = this.opts.skipFirstPosition ? 1 : 0;
    for (let b = 0; b < ids.length; b++) {
      const seq = this.sequences + b;
      const lo = (b * pos) * d;
      for (let p = p0; p < pos; p++) {
        const row = (b * pos + p) * d;
        for (let i = 0; i < d; i++) {
          const v = acts[row + i];
          if (!(v > 0)) continue;
          const n = ++this.count[i];
          this.sum[i] += v;
          if (v > this.max[i]) this.max[i] = v;
          const make = (): ActivationExample => {
            const w0 = Math.max(0, p - before);
            const w1 = Math.min(pos, p + after + 1);
            const win = ids[b].slice(w0, w1) as number[];
            const wa: number[] = [];
            for (let q = w0; q < w1; q++) wa.push(acts[lo + q * d + i]);
            return { seq, pos: p, value: v, tokens: win, acts: wa, center: p - w0 };
          };
          this.top[i].offer(v, make);
          const res = this.reservoir[i];
          if (res.length < R) res.push(make());
          else {
            const j = this.rng.int(n);
            if (j < R) res[j] = make();
          }
          const vals = this.values[i];
          if (vals.length < histogramSamples) vals.push(v);
          else {
            const j = this.rng.int(n);
            if (j < histogramSamples) vals[j] = v;
          }
        }
      }
    }
    this.sequences += ids.length;
    this.tokens += ids.length * Math.max(0, pos - p0);
  }

  finish(): FeatureStats[] {
    const out: FeatureStats[] = [];
    for (let i = 0; i < this.d_sae; i++) out.push(this.stats(i));
    return out;
  }

  stats(i: number): FeatureStats {
    const n = this.count[i];
    const maxAct = this.max[i];
    return {
      index: i,
      nActive: n,
      density: this.tokens ? n / this.tokens : 0,
      maxAct,
      meanAct: n ? this.sum[i] / n : 0,
      top: this.top[i].sorted(),
      buckets: this.bucketsOf(this.reservoir[i]),
      histogram: histogram(this.values[i], maxAct, this.opts.histogramBins, n),
    };
  }

  private bucketsOf(res: ActivationExample[]): QuantileBucket[] {
    const B = this.opts.buckets;
    const sorted = [...res].sort((a, b) => a.value - b.value || a.seq - b.seq || a.pos - b.pos);
    const out: QuantileBucket[] = [];
    for (let k = B - 1; k >= 0 && sorted.length > 0; k--) {
      const examples = sorted.slice(Math.floor((k * sorted.length) / B), Math.floor(((k + 1) * sorted.length) / B)).reverse();
      if (examples.length === 0) continue;
      out.push({ qLo: k / B, qHi: (k + 1) / B, lo: examples[examples.length - 1].value, hi: examples[0].value, examples });
    }
    return out;
  }
}

/** Bins sampled values over [0, max] and scales the counts to `total` activating tokens. */
export function histogram(values: readonly number[], max: number, bins: number, total: number): { edges: number[]; counts: number[] } {
  const edges = Array.from({ length: bins + 1 }, (_, k) => (max * k) / bins);
  const counts = new Array<number>(bins).fill(0);
  if (values.length === 0 || max <= 0) return { edges, counts };
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v / max) * bins))]++;
  const scale = total / values.length;
  return { edges, counts: counts.map((c) => Math.round(c * scale)) };
}
