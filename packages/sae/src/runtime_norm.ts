// Per-token runtime activation normalisation (SAELens normalize_activations "layer_norm" and
// "constant_norm_rescale"): `normIn` maps x to the SAE's input space and remembers each token's statistics, and
// `normOut` maps a reconstruction back with the statistics of the last `normIn`. Not here: the dataset-wide
// expected_average_only_in scale (a constant, kept on the Sae and folded into the weights).
//   layer_norm:            x -> (x - mean) / (std + eps), x_hat -> x_hat * std + mean   (std unbiased, eps 1e-5)
//   constant_norm_rescale: x -> x * sqrt(d_in) / ||x||,   x_hat -> x_hat * ||x|| / sqrt(d_in)
import { add, affine, div, mul, rowL2, rowMean, scale, ShapeError, sub, type Tensor } from "@sae/tensor-core";

export type RuntimeNormMode = "layer_norm" | "constant_norm_rescale";

export const LAYER_NORM_EPS = 1e-5;

export class RuntimeNorm {
  readonly mode: RuntimeNormMode;
  /** layer_norm: mean [batch, 1]; unused for constant_norm_rescale. */
  private mu: Tensor | null = null;
  /** layer_norm: std [batch, 1]; constant_norm_rescale: ||x|| / sqrt(d_in) [batch, 1]. */
  private spread: Tensor | null = null;

  constructor(mode: RuntimeNormMode) {
    this.mode = mode;
  }

  /** Normalised copy of x [batch, d_in]; the statistics are kept for the next normOut. */
  normIn(x: Tensor): Tensor {
    this.dispose();
    const [batch, d_in] = x.shape;
    if (this.mode === "layer_norm") {
      const mu = rowMean(x); // [batch]
      const xc = sub(x, mu.reshape([batch, 1])); // [batch, d_in]
      const l2 = rowL2(xc); // [batch]
      const std = scale(l2, 1 / Math.sqrt(Math.max(d_in - 1, 1))); // torch.std: unbiased
      const denom = affine(std, 1, LAYER_NORM_EPS);
      const out = div(xc, denom.reshape([batch, 1]));
      for (const t of [xc, l2, denom]) t.dispose();
      this.mu = mu;
      this.spread = std;
      return out;
    }
    const l2 = rowL2(x); // [batch]
    const s = scale(l2, 1 / Math.sqrt(d_in)); // 1 / coefficient
    l2.dispose();
    this.spread = s;
    return div(x, s.reshape([batch, 1]));
  }

  /** x_hat [batch, d_in] mapped back to the input space with the statistics of the last normIn. */
  normOut(xHat: Tensor): Tensor {
    const batch = xHat.shape[0];
    if (!this.spread) throw new ShapeError(`normalize_activations '${this.mode}': decode needs an encode first (it reuses that batch's per-token statistics)`);
    if (this.spread.shape[0] !== batch) {
      throw new ShapeError(`normalize_activations '${this.mode}': decode of ${batch} rows after an encode of ${this.spread.shape[0]} rows (the per-token statistics come from the last encode)`);
    }
    const scaled = mul(xHat, this.spread.reshape([batch, 1]));
    if (!this.mu) return scaled;
    const out = add(scaled, this.mu.reshape([batch, 1]));
    scaled.dispose();
    return out;
  }

  dispose(): void {
    this.mu?.dispose();
    this.spread?.dispose();
    this.mu = null;
    this.spread = null;
  }
}
