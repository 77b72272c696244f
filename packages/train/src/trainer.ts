// The training loop for every architecture: one step = upload the batch into a reused tensor, the architecture's
// trainForward/backward (@sae/core contract), firing statistics on the GPU, global-norm gradient clipping fused
// into Adam (no readback), optional decoder renormalisation, the lr schedule and the sparsity-coefficient warm-up as
// SAELens 6.18's SAETrainer (checked against 3-step SAETrainer.fit() goldens). The dead-latent mask is read back
// before every step that uses it (TopK family aux-k, JumpReLU pre_act_loss, ghost grads: use_ghost_grads, standard
// SAE, added to the loss and gradients before clipping) once a latent can be dead (after dead_feature_window steps),
// as SAELens updates it every step. Metrics (loss terms, L0, dead latents) are read back every `logEvery` steps, with
// a NaN check. Feature density is read back once per feature_sampling_window. Not here: data, checkpoints, CLI.
import { adam, clipScale, featureStats, featureStatsSparse, saeAxpby, saeDot, sumSquares, Tensor, type Device } from "@sae/tensor-core";
import { ghostGrads, selectsInBlocks, settleTopkThreshold, type GhostGrads, type Sae, type SaeParams, type TrainOutput } from "@sae/core";
import type { TrainConfig } from "./config.ts";
import { ConfigError, DivergedError } from "./errors.ts";
import { l1CoefficientAt, lrAt, type LrSchedule } from "./schedule.ts";

export interface StepMetrics {
  step: number; // steps done
  tokens: number; // training tokens seen
  lr: number;
  l1_coefficient: number;
  loss: number;
  losses: Record<string, number>;
  l0: number;
  dead_features: number;
  dead_fraction: number;
  /** Most GPU bytes held by live tensors during this step (parameters, optimiser state and the step's tensors). */
  peak_device_bytes: number;
}

export interface TrainerOptions {
  cfg: TrainConfig;
  device: Device;
  sae: Sae;
  /** The lr schedule's length (SAELens's total_training_steps: floor of budget / batch). */
  totalSteps: number;
  /** Steps the run takes (ceil of budget / batch; default totalSteps): the last one always reads back metrics. */
  runSteps?: number;
  /** Read back metrics (and refresh the dead mask) every this many steps; default cfg.wandb_log_frequency. */
  logEvery?: number;
}

/** Optimiser and statistics state that must survive a resume (besides parameters and the store). */
export interface TrainerTensors {
  m: SaeParams;
  v: SaeParams;
  sinceFired: Tensor; // [d_sae]
  actFreq: Tensor; // [d_sae]
}

export class Trainer {
  readonly cfg: TrainConfig;
  readonly device: Device;
  readonly sae: Sae;
  readonly totalSteps: number;
  readonly runSteps: number;
  readonly logEvery: number;
  readonly state: TrainerTensors;
  /** Steps done. */
  step = 0;
  /** Tokens seen in the current feature-sampling window. */
  windowTokens = 0;
  /** log10 feature density of the last full sampling window (or the current one, after finishWindow). */
  logSparsity: Float32Array;
  deadMask: Float32Array; // [d_sae] CPU copy used by the aux-k loss, pre_act_loss and ghost grads
  /** Whether this run's step reads the dead mask (then it is refreshed before every step). */
  readonly usesDeadMask: boolean;
  /** The TopK family off the row-blocked path: aux-k takes the dead mask from since_fired on the device. */
  readonly deadOnDevice: boolean;
  private readonly x: Tensor; // [batch, d_in]
  /** Transcoder training (hook_name_out): the output hook's rows [batch, d_in], and host halves of paired rows. */
  private readonly y: Tensor | null = null;
  private readonly halves: { x: Float32Array; y: Float32Array } | null = null;
  private readonly norms: Tensor; // [n_params] squared gradient norms
  private readonly clip: Tensor; // [1] clip coefficient
  private readonly names: string[];
  private readonly schedule: LrSchedule;

  constructor(o: TrainerOptions) {
    this.cfg = o.cfg;
    this.device = o.device;
    this.sae = o.sae;
    this.totalSteps = o.totalSteps;
    this.runSteps = o.runSteps ?? o.totalSteps;
    this.logEvery = o.logEvery ?? o.cfg.wandb_log_frequency;
    if (o.cfg.use_ghost_grads && !o.sae.arch.ghostGrads) {
      throw new ConfigError(`use_ghost_grads needs a standard SAE, got '${o.sae.cfg.architecture}'`);
    }
    const dSae = o.sae.cfg.d_sae;
    this.names = Object.keys(o.sae.params).sort();
    const zerosLike = (t: Tensor, label: string) => Tensor.zeros(o.device, t.shape, "f32", label);
    this.state = {
      m: Object.fromEntries(this.names.map((n) => [n, zerosLike(o.sae.params[n], `adam m ${n}`)])),
      v: Object.fromEntries(this.names.map((n) => [n, zerosLike(o.sae.params[n], `adam v ${n}`)])),
      sinceFired: Tensor.zeros(o.device, [dSae], "f32", "since fired"),
      actFreq: Tensor.zeros(o.device, [dSae], "f32", "act freq"),
    };
    this.x = Tensor.empty(o.device, [o.cfg.train_batch_size_tokens, o.sae.cfg.d_in], "f32", "train batch");
    if (o.cfg.hook_name_out !== null) {
      this.y = Tensor.empty(o.device, this.x.shape, "f32", "train target");
      this.halves = { x: new Float32Array(this.x.size), y: new Float32Array(this.x.size) };
    }
    this.norms = Tensor.zeros(o.device, [this.names.length], "f32", "grad norms");
    this.clip = Tensor.zeros(o.device, [1], "f32", "grad clip scale");
    this.logSparsity = new Float32Array(dSae).fill(-10);
    this.deadMask = new Float32Array(dSae);
    this.usesDeadMask = o.sae.arch.usesDeadMask(o.sae.cfg) || o.cfg.use_ghost_grads;
    const blocked = selectsInBlocks(o.sae, this.x.shape[0]); // the row-blocked aux-k reads the host mask
    this.deadOnDevice = o.sae.arch.topkFamily === true && !o.cfg.use_ghost_grads && !blocked;
    this.schedule = {
      lr: o.cfg.lr,
      scheduler: o.cfg.lr_scheduler_name,
      warmUpSteps: o.cfg.lr_warm_up_steps,
      decaySteps: o.cfg.lr_decay_steps,
      totalSteps: o.totalSteps,
      lrEnd: o.cfg.lr_end,
      restartCycles: o.cfg.n_restart_cycles,
    };
  }

  get tokensSeen(): number {
    return this.step * this.cfg.train_batch_size_tokens;
  }

  lrAt(step: number): number {
    return lrAt(this.schedule, step);
  }

  /**
   * One optimisation step on `batch` [train_batch_size_tokens * d_in]. Returns metrics when this step is a
   * readback step (every logEvery steps, and the last), else null.
   */
  async trainStep(batch: Float32Array, forceMetrics = false): Promise<StepMetrics | null> {
    const c = this.cfg;
    const s = this.step;
    const lr = this.lrAt(s);
    const l1 = l1CoefficientAt(c.l1_coefficient, c.l1_warm_up_steps, s);
    const l0 = l1CoefficientAt(c.l0_coefficient ?? c.l1_coefficient, c.l0_warm_up_steps ?? c.l1_warm_up_steps, s);
    // a latent is dead once since_fired > dead_feature_window, which takes more steps than that: no readback before;
    // the TopK family reads nothing after either (its aux-k takes the mask from since_fired on the device)
    const pastWindow = s > c.dead_feature_window;
    if (this.usesDeadMask && pastWindow && !this.deadOnDevice) await this.refreshDeadMask();
    const window = c.dead_feature_window;
    const deadSince = pastWindow && this.deadOnDevice ? { sinceFired: this.state.sinceFired, window } : null;
    this.device.pool.resetPeak();
    if (this.halves && this.y) {
      // paired rows [d_in | d_out] (d_out = d_in) from the store: input half to x, output half to the target
      const d = this.sae.cfg.d_in;
      for (let r = 0; r < this.x.shape[0]; r++) {
        this.halves.x.set(batch.subarray(2 * r * d, (2 * r + 1) * d), r * d);
        this.halves.y.set(batch.subarray((2 * r + 1) * d, (2 * r + 2) * d), r * d);
      }
      this.x.write(this.halves.x);
      this.y.write(this.halves.y);
    } else this.x.write(batch);
    const sparseMaxActive = c.sparse_max_active ?? undefined;
    const target = this.y ?? undefined;
    // deferReads: nothing read back in the step (BatchTopK's threshold is settled at the metrics steps)
    const ctx = {
      deadMask: this.deadMask, deadSince, l1Coefficient: l1, l0Coefficient: l0, sparseMaxActive, target,
      deferReads: true,
    };
    const out = await this.sae.trainForward(this.x, ctx);
    // TopK reports its active pairs: firing counts from them, so no dense f [batch, d_sae] is made
    if (out.active) featureStatsSparse(out.active.values, out.active.indices, this.state.sinceFired, this.state.actFreq);
    else featureStats(out.featureActs, this.state.sinceFired, this.state.actFreq);
    const grads = this.sae.backward();
    const ghost = c.use_ghost_grads ? this.ghostStep(out) : null;
    ghost?.backward(grads);
    // global-norm clipping: squared norms per parameter -> coefficient [1] -> Adam scales on the GPU
    let gradScale: Tensor | undefined;
    if (c.max_grad_norm > 0) {
      this.names.forEach((n, i) => sumSquares(grads[n], { out: this.norms, slot: i }));
      gradScale = clipScale(this.norms, c.max_grad_norm, { out: this.clip });
    }
    const adamOpts = { lr, beta1: c.adam_beta1, beta2: c.adam_beta2, eps: c.adam_eps, step: s + 1, gradScale };
    this.names.forEach((n) => adam(this.sae.params[n], grads[n], this.state.m[n], this.state.v[n], adamOpts));
    if (c.normalize_sae_decoder) this.sae.normalizeDecoder();
    this.step++;
    this.windowTokens += this.x.shape[0];
    let metrics: StepMetrics | null = null;
    if (forceMetrics || this.step % this.logEvery === 0 || this.step === this.runSteps) {
      const loss = ghost ? saeAxpby(out.loss, ghost.loss, null, 1, 1, 0) : out.loss;
      const losses = ghost ? { ...out.losses, ghost_grad_loss: ghost.loss } : out.losses;
      const coefficient = this.sae.arch.coefficient === "l0" ? l0 : l1;
      const f = out.active?.values ?? out.featureActs;
      metrics = await this.readMetrics(loss, losses, f, out.saeOut.shape[0], lr, coefficient);
      if (ghost) loss.dispose();
      else if (c.use_ghost_grads) metrics.losses.ghost_grad_loss = 0;
    }
    ghost?.dispose();
    for (const g of Object.values(grads)) g.dispose();
    this.sae.releaseStep();
    if (this.step % this.cfg.feature_sampling_window === 0) await this.finishWindow();
    return metrics;
  }

  /**
   * Ghost grads (use_ghost_grads, standard SAE) for this step when some latent is dead (the dead mask as of the last
   * metrics readback); x as the SAE saw it (activation-scaled). null when none is dead.
   */
  private ghostStep(out: TrainOutput): GhostGrads | null {
    const s = this.sae.activationScale;
    const x = s === null ? this.x : saeAxpby(this.x, null, null, s, 0, 0);
    const ghost = ghostGrads(this.sae, x, out.hiddenPre, out.saeOut, this.deadMask);
    if (x === this.x) return ghost;
    if (!ghost) {
      x.dispose();
      return null;
    }
    return { loss: ghost.loss, backward: (g) => ghost.backward(g), dispose: () => (ghost.dispose(), x.dispose()) };
  }

  /** `f`: dense activations [batch, d_sae], or TopK's active values [batch, k] or [P, W] (same count of positives). */
  private async readMetrics(loss: Tensor, losses: Record<string, Tensor>, f: Tensor, batch: number, lr: number,
    l1: number): Promise<StepMetrics> {
    const l0t = saeDot(f, f, 1 / batch, "count");
    const lossV = (await loss.read())[0];
    const parts: Record<string, number> = {};
    for (const [k, t] of Object.entries(losses)) parts[k] = (await t.read())[0];
    const l0 = (await l0t.read())[0];
    l0t.dispose();
    await settleTopkThreshold(this.sae); // BatchTopK's threshold: the steps since the last metrics, folded in order
    const dead = await this.refreshDeadMask();
    if (!Number.isFinite(lossV)) {
      throw new DivergedError(this.step, `loss is ${lossV} at step ${this.step} (${Object.entries(parts).map(([k, v]) => `${k}=${v}`).join(", ")}); lower lr (${this.cfg.lr}) or check the activations`);
    }
    return { step: this.step, tokens: this.tokensSeen, lr, l1_coefficient: l1, loss: lossV, losses: parts, l0, dead_features: dead, dead_fraction: dead / this.sae.cfg.d_sae, peak_device_bytes: this.device.memory().peakBytes };
  }

  /** Reads since_fired back; dead = since_fired > dead_feature_window. Returns the dead count. */
  async refreshDeadMask(): Promise<number> {
    const since = await this.state.sinceFired.read();
    let dead = 0;
    for (let i = 0; i < since.length; i++) {
      const d = since[i] > this.cfg.dead_feature_window ? 1 : 0;
      this.deadMask[i] = d;
      dead += d;
    }
    return dead;
  }

  /** Closes a feature-sampling window: log10 density per latent, counts reset. */
  async finishWindow(): Promise<Float32Array> {
    if (this.windowTokens === 0) return this.logSparsity;
    const freq = await this.state.actFreq.read();
    for (let i = 0; i < freq.length; i++) this.logSparsity[i] = Math.log10(freq[i] / this.windowTokens + 1e-10);
    this.state.actFreq.write(new Float32Array(freq.length));
    this.windowTokens = 0;
    return this.logSparsity;
  }

  /**
   * Checks the parameters for NaN/Inf (one readback per parameter), and with rescale_acts_by_decoder_norm that the
   * export's folded W_enc * ||W_dec|| and b_enc * ||W_dec|| stay finite in float32; throws DivergedError naming them.
   */
  async checkFinite(): Promise<void> {
    const host: Record<string, Float32Array> = {};
    for (const n of this.names) {
      const v = (host[n] = (await this.sae.params[n].read()) as Float32Array);
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) throw new DivergedError(this.step, `parameter ${n} holds ${v[i]} at step ${this.step}`);
      }
    }
    const { d_in, d_sae, rescale_acts_by_decoder_norm: rescale } = this.sae.cfg;
    if (!rescale || !host.b_enc) return;
    for (let i = 0; i < d_sae; i++) {
      let s = 0;
      for (let c = 0; c < d_in; c++) s += host.W_dec[i * d_in + c] ** 2;
      const n = Math.sqrt(s);
      let big = Math.abs(host.b_enc[i]);
      for (let c = 0; c < d_in; c++) big = Math.max(big, Math.abs(host.W_enc[c * d_sae + i]));
      if (!Number.isFinite(Math.fround(big * n))) {
        const what = `latent ${i}: W_enc / b_enc times ||W_dec[${i}]|| = ${n} overflows float32`;
        throw new DivergedError(this.step, `${what} (rescale_acts_by_decoder_norm export) at step ${this.step}`);
      }
    }
  }

  dispose(): void {
    for (const t of [...Object.values(this.state.m), ...Object.values(this.state.v), this.state.sinceFired, this.state.actFreq, this.x, this.norms, this.clip]) t.dispose();
    this.y?.dispose();
  }
}
