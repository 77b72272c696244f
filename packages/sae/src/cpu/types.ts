// The state of one CPU reference step (cpu/reference.ts) that each architecture's CPU part (arch/<name>/cpu.ts)
// reads and fills: its activations from h = sae_in W_enc, then its loss terms and their gradients. Float64 arrays.
import type { SaeConfig } from "../config.ts";

export type HostParams = Record<string, Float64Array>;

export interface CpuTrainContext {
  /** [d_sae] 1 where a latent counts as dead (TopK family aux-k loss, JumpReLU pre_act_loss). */
  deadMask?: ArrayLike<number>;
  /** batchtopk / matryoshka: the running threshold before this step. */
  topkThreshold?: number;
  /** Sparsity coefficients after warm-up (default cfg.l1_coefficient / cfg.l0_coefficient). */
  l1Coefficient?: number;
  l0Coefficient?: number;
}

export interface CpuStep {
  cfg: SaeConfig;
  p: HostParams;
  x: ArrayLike<number>; // [batch, d_in]
  B: number;
  ctx: CpuTrainContext;
  h: Float64Array; // [batch, d_sae] sae_in W_enc
  norms: Float64Array; // [d_sae] ||W_dec[i]||
  col: (i: number) => number;
  /** TopK family with rescale_acts_by_decoder_norm. */
  rescale: boolean;
  f: Float64Array; // [batch, d_sae] feature_acts as SAELens reports them
  mask: Float64Array; // [batch, d_sae] d f0 / d pre0 on the active path
  pre: Float64Array; // hidden_pre as reported
  pre0: Float64Array; // the pre-activation the gradients reach
  gateAct: Float64Array | null;
  topkThreshold?: number;
  // filled by the driver after acts(): decode, MSE and the decoder's gradients
  f0: Float64Array; // decoded activations
  out: Float64Array; // [batch, d_in]
  losses: Record<string, number>;
  grads: HostParams;
  gW_dec: Float64Array;
  gb_dec: Float64Array;
  gF: Float64Array; // [batch, d_sae] d loss / d f0
  gPre: Float64Array; // [batch, d_sae] d loss / d pre0 (the architecture fills it)
  c1: number; // l1 coefficient / batch
  c0: number; // l0 coefficient / batch
  dead: ArrayLike<number> | undefined;
  numDead: number;
  /** W_dec[i] += s[i] W_dec[i] / ||W_dec[i]||: a term's gradient through the decoder norms. */
  normGrad(sNorm: ArrayLike<number>): void;
  /** mean_b ||y_b - x_b||^2, writing d / d y into g. */
  sqErr(y: ArrayLike<number>, g: Float64Array): number;
}

export interface CpuArch {
  /** Sets pre / pre0 and fills f, mask (and gateAct, topkThreshold) from s.h. */
  acts(s: CpuStep): void;
  /** Adds its loss terms and gradients: gF to gPre, its own parameters' gradients, decoder-norm terms. */
  losses(s: CpuStep): void;
}
