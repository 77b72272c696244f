// Test helper (not exported from the package): reads the goldens SAELens 6.18 itself computed
// (fixtures/saelens/training.json, written by scripts/saelens_goldens.py) and maps a SAELens training config onto
// an SaeConfig. Tolerance for every comparison: 1e-5 absolute + 1e-4 relative, float32.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeConfig, type ArchitectureName, type SaeConfig } from "./config.ts";

export const SAELENS_FIXTURES = join(import.meta.dir, "..", "fixtures", "saelens");
export const RTOL = 1e-4;
export const ATOL = 1e-5;

export interface EncTensor {
  shape: number[];
  dtype: string;
  data: (number | boolean | string)[];
}

export interface TrainingCase {
  name: string;
  architecture: ArchitectureName;
  config: Record<string, unknown>;
  params: Record<string, EncTensor>;
  buffers_before: Record<string, EncTensor>;
  input: { sae_in: EncTensor; coefficients: Record<string, number>; dead_neuron_mask: EncTensor };
  output: {
    feature_acts: EncTensor;
    hidden_pre: EncTensor;
    sae_out: EncTensor;
    losses: Record<string, number>;
    loss: number;
    buffers_after: Record<string, EncTensor>;
  };
  grads: Record<string, EncTensor | null>;
  /** SAELens's exported inference checkpoint (save_inference_model -> SAE.load_from_disk). */
  export: {
    architecture: string;
    rescale_acts_by_decoder_norm: boolean | null;
    state_dict: Record<string, EncTensor>;
    encode: EncTensor;
    decode: EncTensor;
  };
}

export interface TrainerStep {
  lr: number;
  coefficients: Record<string, number>;
  dead_neuron_mask: EncTensor;
  losses: Record<string, number>;
  loss: number;
  buffers_after: Record<string, EncTensor>;
  params_after: Record<string, EncTensor>;
  n_forward_passes_since_fired_after: EncTensor;
  grad_norm_before_clip: number;
}

export interface TrainerCase {
  name: string;
  architecture: ArchitectureName;
  config: Record<string, unknown>;
  trainer_config: Record<string, unknown>;
  params: Record<string, EncTensor>;
  batches: EncTensor[];
  steps: TrainerStep[];
}

/** An lr schedule (get_lr_scheduler: lr per step) or a coefficient warm-up (CoefficientScheduler: value per step). */
export interface ScheduleCase {
  scheduler?: "constant" | "cosineannealing" | "cosineannealingwarmrestarts";
  total_steps?: number;
  warm_up_steps?: number;
  decay_steps?: number;
  n_restart_cycles?: number;
  lr?: number;
  lr_end?: number;
  lrs?: number[];
  coefficient_warm_up_steps?: number;
  final_value?: number;
  values?: number[];
}

/** A SAETrainer.fit() run: steps run (ceil), schedulers' length (floor), per-step lr / coefficients, checkpoints. */
export interface FitRun {
  name: string;
  notes: string;
  trainer_config: Record<string, unknown>;
  l1_coefficient: number;
  l1_warm_up_steps: number;
  total_training_steps: number;
  steps_run: number;
  /** The names save_checkpoint was called with, in order (the final one last). */
  checkpoints: string[];
  steps: { lr: number; coefficients: Record<string, number>; n_training_samples: number }[];
}

export interface SaeLensGoldens {
  meta: Record<string, unknown>;
  training_cases: TrainingCase[];
  lr_schedules: ScheduleCase[];
  trainer_cases: TrainerCase[];
  fit_runs: FitRun[];
}

let cached: SaeLensGoldens | null = null;

export function saeLensGoldens(): SaeLensGoldens {
  cached ??= JSON.parse(readFileSync(join(SAELENS_FIXTURES, "training.json"), "utf8")) as SaeLensGoldens;
  return cached;
}

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** A JSON tensor as Float32Array (bools as 0 / 1, float64 rounded). */
export function f32(t: EncTensor): Float32Array {
  return Float32Array.from(t.data, (v) => (typeof v === "string" ? SPECIAL[v] : Number(v)));
}

/** The scalar of a [] tensor (float64 buffers such as topk_threshold). */
export function scalarOf(t: EncTensor): number {
  const v = t.data[0];
  return typeof v === "string" ? SPECIAL[v] : Number(v);
}

/** SAELens training config -> SaeConfig (the fields this project models; SAELens defaults as given). */
export function configOf(arch: ArchitectureName, c: Record<string, unknown>): SaeConfig {
  const num = (k: string, d: number) => (typeof c[k] === "number" ? (c[k] as number) : d);
  const topkFamily = arch === "topk" || arch === "batchtopk" || arch === "matryoshka_batchtopk";
  return makeConfig({
    architecture: arch,
    d_in: c.d_in as number,
    d_sae: c.d_sae as number,
    apply_b_dec_to_input: c.apply_b_dec_to_input as boolean,
    k: topkFamily ? (c.k as number) : null,
    l1_coefficient: num("l1_coefficient", 1),
    lp_norm: num("lp_norm", 1),
    l0_coefficient: num("l0_coefficient", 1),
    jumprelu_bandwidth: num("jumprelu_bandwidth", 0.05),
    jumprelu_init_threshold: num("jumprelu_init_threshold", 0.01),
    jumprelu_sparsity_loss_mode: (c.jumprelu_sparsity_loss_mode as "step" | "tanh" | undefined) ?? "step",
    jumprelu_tanh_scale: num("jumprelu_tanh_scale", 4),
    pre_act_loss_coefficient: typeof c.pre_act_loss_coefficient === "number" ? c.pre_act_loss_coefficient : null,
    aux_loss_coefficient: num("aux_loss_coefficient", 1),
    rescale_acts_by_decoder_norm: c.rescale_acts_by_decoder_norm === true,
    topk_threshold_lr: num("topk_threshold_lr", 0.01),
    matryoshka_widths: Array.isArray(c.matryoshka_widths) ? (c.matryoshka_widths as number[]) : null,
  });
}

/** Host parameters (training layout) of a case. */
export function paramsOf(params: Record<string, EncTensor>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, f32(v)]));
}

/** One training case by name, decoded: config, host parameters, input, dead mask and coefficients. */
export interface DecodedCase {
  c: TrainingCase;
  cfg: SaeConfig;
  params: Record<string, Float32Array>;
  x: Float32Array;
  batch: number;
  deadMask: Float32Array;
}

export function trainingCase(name: string): DecodedCase {
  const c = saeLensGoldens().training_cases.find((t) => t.name === name);
  if (!c) throw new Error(`fixtures/saelens/training.json: no training case '${name}'`);
  const cfg = configOf(c.architecture, c.config);
  const batch = c.input.sae_in.shape[0];
  return { c, cfg, params: paramsOf(c.params), x: f32(c.input.sae_in), batch, deadMask: f32(c.input.dead_neuron_mask) };
}
