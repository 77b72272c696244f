// The one contract every SAE architecture implements, one folder each (arch/<name>/, registered in registry.ts):
// parameter shapes and initial values, config checks, which training coefficient and dead-latent mask it uses,
// inference encode (also split at hook_sae_acts_pre), a training forward whose result knows its own explicit
// backward, and its checkpoint mapping (SAELens file names, save_inference_model's export). Decode is shared
// (f @ W_dec + b_dec, common.ts) unless the architecture has its own (the TopK family's decoder-norm rescaling).
// Not here: file I/O and activation scaling (checkpoint.ts and sae.ts do those for every architecture).
import type { Device, Shape, Tensor } from "@sae/tensor-core";
import type { SaeConfig } from "../config.ts";
import type { CpuArch } from "../cpu/types.ts";
import type { ArchitectureName } from "./registry.ts";

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
  /**
   * The TopK family's dead latents on the device (the trainer, past the dead-feature window, off the row-blocked
   * path): dead where sinceFired [d_sae] > window. Aux-k then reads nothing back (family/auxk.ts); deadMask is unused.
   */
  deadSince?: { sinceFired: Tensor; window: number } | null;
  /** Current sparsity coefficient (after warm-up); defaults to cfg.l1_coefficient (standard, gated) / cfg.l0_coefficient
   * (jumprelu). */
  l1Coefficient?: number;
  l0Coefficient?: number;
  /**
   * Standard and JumpReLU SAEs: the most active latents per row the sparse step takes (K; default d_sae / 16 up to 256 when
   * d_sae >= 1024, else 0 = always dense). Batches with a row of K or more active latents take the dense step.
   */
  sparseMaxActive?: number;
  /**
   * Transcoder training (this project's extension; SAELens 6.18 has only inference transcoders): what the decoder
   * reconstructs, [batch, d_in] activations of the output hook, in place of x. Only architectures with readsTarget.
   */
  target?: Tensor;
  /**
   * Read nothing back in this step (the trainer, between its metrics steps): BatchTopK's threshold update then waits
   * on the device until settleTopkThreshold (arch/batchtopk/threshold.ts). Default: Sae.trainForward settles it.
   */
  deferReads?: boolean;
}

export interface TrainOutput {
  loss: Tensor; // [1] total
  losses: Record<string, Tensor>; // [1] each: mse_loss, l1_loss, l0_loss, auxiliary_reconstruction_loss
  featureActs: Tensor; // [batch, d_sae]
  hiddenPre: Tensor; // [batch, d_sae]
  saeOut: Tensor; // [batch, d_in]
  /**
   * TopK's active pairs when f is sparse by construction: ReLU'd values [batch, k] at indices [batch, k] i32, or in
   * pair rows [P, W] (arch/pair_rows.ts: a loud row's pairs over several rows; the batch is saeOut's rows).
   */
  active?: { values: Tensor; indices: Tensor };
}

/** A training forward pass; backward() returns d(total loss)/d(param) for every parameter, by name. */
export interface TrainStep {
  readonly out: TrainOutput;
  backward(): SaeParams;
  /** Frees the tensors the step holds (outputs included). */
  dispose(): void;
}

/** Host parameters by name (training layout unless said otherwise). */
export type HostWeights = Record<string, Float32Array>;

/** What an architecture saves: the config and tensors (by file name) of SAELens's inference class. */
export interface Exported {
  cfg: SaeConfig;
  host: HostWeights;
}

export interface Architecture {
  readonly name: ArchitectureName;
  /**
   * TopK family (topk, batchtopk, matryoshka_batchtopk): keeps k latents (per row or on average per row), needs
   * cfg.k, trains the aux-k loss over dead latents, and reads rescale_acts_by_decoder_norm.
   */
  readonly topkFamily: boolean;
  /** The training coefficient of its sparsity term: l1_coefficient, l0_coefficient (JumpReLU), or none. */
  readonly coefficient: "l1" | "l0" | null;
  /** Ghost grads (SAELens 5's use_ghost_grads) apply to it. */
  readonly ghostGrads: boolean;
  /** Trains as a transcoder when TrainContext.target is given (the standard SAE: SAELens's Transcoder). */
  readonly readsTarget?: boolean;
  /** The defaults SAELens 6.18's training config class for it sets (what a SAELens 6 runner config leaves out). */
  readonly saelensTrainingDefaults: Readonly<Record<string, unknown>>;
  /** Whether this config's loss reads TrainContext.deadMask (aux-k, JumpReLU's pre_act_loss). */
  usesDeadMask(cfg: SaeConfig): boolean;
  /** Fields `sae train` fills in for it when the user leaves them unset (SAELens's training defaults). */
  trainDefaults?(d_sae: number): Partial<SaeConfig>;
  /** Checks beyond the shared ones; may complete a field as SAELens does (matryoshka appends d_sae). */
  validate?(cfg: SaeConfig, where: string): void;
  /** Its float64 CPU reference (activations, loss terms, gradients; cpu/reference.ts drives it). */
  readonly cpu: CpuArch;
  /** Parameter names and shapes in training layout. */
  paramShapes(cfg: SaeConfig): Record<string, Shape>;
  /** Initial values beyond the shared init (W_dec, W_enc, other parameters zero), set in place in host. */
  initParams?(cfg: SaeConfig, host: HostWeights): void;
  /** Tensor names and shapes as SAELens stores them, when they differ from paramShapes (jumprelu: threshold). */
  fileShapes?(cfg: SaeConfig): Record<string, Shape>;
  /** Training-layout parameters from the tensors a weights file holds (by fileShapes' names). */
  fromFile?(file: HostWeights): HostWeights;
  /**
   * SAELens's save_inference_model: the config and tensors (file names) SAELens's inference class for the saved
   * architecture reads, from training-layout parameters. Default: the same config and tensors.
   */
  exportInference?(cfg: SaeConfig, host: HostWeights, topkThreshold: number | null): Exported;
  /** hidden_pre [batch, d_sae] of sae_in [batch, d_in] (SAELens's hook_sae_acts_pre); default sae_in W_enc + b_enc. */
  hiddenPre?(m: SaeModel, saeIn: Tensor): Tensor;
  /** Feature activations [batch, d_sae] from a (possibly edited) hidden_pre (and sae_in, which gated's gate reads). */
  activate(m: SaeModel, pre: Tensor, saeIn: Tensor): Tensor;
  /** Feature activations [batch, d_sae] of the centred input sae_in [batch, d_in] (inference). */
  encode(m: SaeModel, saeIn: Tensor): Promise<Tensor>;
  /** Reconstruction [batch, d_in] of feature activations [batch, d_sae], when not f @ W_dec + b_dec. */
  decode?(m: SaeModel, f: Tensor): Tensor;
  trainForward(m: SaeModel, x: Tensor, ctx: TrainContext): Promise<TrainStep>;
}
