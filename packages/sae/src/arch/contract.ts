// The one contract every SAE architecture implements (standard, gated, jumprelu, topk, batchtopk): parameter
// shapes, inference encode, and a training forward whose result knows its own explicit backward. Decode is shared
// (f @ W_dec + b_dec, common.ts) unless the architecture has its own (the TopK family's decoder-norm rescaling). Not here: checkpoints, activation scaling (sae.ts does those).
import type { Device, Shape, Tensor } from "@sae/tensor-core";
import type { ArchitectureName, SaeConfig } from "../config.ts";

/** Parameters by SAELens name, training layout (jumprelu holds log_threshold, saved as threshold). */
export type SaeParams = Record<string, Tensor>;

/** The state an architecture reads: config, parameters, and running statistics (batchtopk threshold). */
export interface SaeModel {
  readonly cfg: SaeConfig;
  readonly device: Device;
  params: SaeParams;
  /** BatchTopK running threshold (used by encode at inference); null until trained or loaded. */
  topkThreshold: number | null;
}

export interface TrainContext {
  /** [d_sae], nonzero where a latent is dead (drives the TopK family's aux-k loss and JumpReLU's pre_act loss). */
  deadMask?: ArrayLike<number> | null;
  /** Current sparsity coefficient (after warm-up); defaults to cfg.l1_coefficient (standard, gated) / cfg.l0_coefficient
   * (jumprelu). */
  l1Coefficient?: number;
  l0Coefficient?: number;
  /**
   * Standard and JumpReLU SAEs: the most active latents per row the sparse step takes (K; default d_sae / 16 up to 256 when
   * d_sae >= 1024, else 0 = always dense). Batches with a row of K or more active latents take the dense step.
   */
  sparseMaxActive?: number;
}

export interface TrainOutput {
  loss: Tensor; // [1] total
  losses: Record<string, Tensor>; // [1] each: mse_loss, l1_loss, l0_loss, auxiliary_reconstruction_loss
  featureActs: Tensor; // [batch, d_sae]
  hiddenPre: Tensor; // [batch, d_sae]
  saeOut: Tensor; // [batch, d_in]
  /** TopK's active pairs when f is sparse by construction: ReLU'd values [batch, k] at indices [batch, k] i32. */
  active?: { values: Tensor; indices: Tensor };
}

/** A training forward pass; backward() returns d(total loss)/d(param) for every parameter, by name. */
export interface TrainStep {
  readonly out: TrainOutput;
  backward(): SaeParams;
  /** Frees the tensors the step holds (outputs included). */
  dispose(): void;
}

export interface Architecture {
  readonly name: ArchitectureName;
  /** Parameter names and shapes in training layout. */
  paramShapes(cfg: SaeConfig): Record<string, Shape>;
  /** Feature activations [batch, d_sae] of the centred input sae_in [batch, d_in] (inference). */
  encode(m: SaeModel, saeIn: Tensor): Promise<Tensor>;
  /** Reconstruction [batch, d_in] of feature activations [batch, d_sae], when not f @ W_dec + b_dec. */
  decode?(m: SaeModel, f: Tensor): Tensor;
  trainForward(m: SaeModel, x: Tensor, ctx: TrainContext): Promise<TrainStep>;
}
