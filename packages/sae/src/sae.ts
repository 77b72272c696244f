// The Sae class: a config, parameters on a Device, and the architecture from the registry. Inference (encode,
// decode, forward), the training step (trainForward then backward), decoder-row normalisation, activation scaling
// (normalize_activations = "expected_average_only_in"; the per-token "layer_norm" / "constant_norm_rescale" at
// inference through runtime_norm.ts), and building from bytes or URLs (fromBytes, fromUrl). No file system: loading
// a folder, saving and pretrained downloads are functions in @sae/core/node (loadSae, saveSae, loadPretrainedSae).
import { fetchBytes, fetchOptionalBytes, fetchText, joinUrl, type FetchUrlOptions } from "@sae/hub";
import { saeAxpby, saeRowNorm, saeRowScale, ShapeError, Tensor, type Device, type Shape } from "@sae/tensor-core";
import { architecture } from "./arch/registry.ts";
import type { Architecture, SaeModel, SaeParams, TrainContext, TrainOutput, TrainStep } from "./arch/contract.ts";
import { center, decode as decodeDense, disposeAll } from "./arch/common.ts";
import { makeConfig, type SaeConfig } from "./config.ts";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { initHostParams } from "./init.ts";
import { saeFolderFromBytes, type SaeBytes, type SaeFolder } from "./checkpoint_bytes.ts";
import { RuntimeNorm } from "./runtime_norm.ts";
import { activate, hiddenPre } from "./encode_split.ts";
import { foldDecoderNorms } from "./fold.ts";
import { asRows, withLead } from "./rows.ts";
import { dropThresholdLog, settleTopkThreshold } from "./arch/batchtopk/threshold.ts";

export class Sae implements SaeModel {
  readonly cfg: SaeConfig;
  readonly device: Device;
  readonly arch: Architecture;
  params: SaeParams;
  topkThreshold: number | null = null;
  /** expected_average_only_in: inputs are multiplied by this before the SAE (folded into weights on save). */
  activationScale: number | null = null;
  /** log10 feature density [d_sae] from sparsity.safetensors, when known. */
  sparsity: Float32Array | null = null;
  /** cfg.json keys we do not model, kept for a load -> save round trip. */
  extraConfig: Record<string, unknown> = {};
  private step: TrainStep | null = null;
  /** layer_norm / constant_norm_rescale: the per-token statistics of the last encode, used by decode. */
  private runtimeNorm: RuntimeNorm | null = null;

  constructor(device: Device, cfg: SaeConfig, params: SaeParams) {
    this.cfg = cfg;
    this.device = device;
    this.arch = architecture(cfg.architecture);
    const shapes = this.arch.paramShapes(cfg);
    for (const [name, shape] of Object.entries(shapes)) {
      const t = params[name];
      if (!t) throw new CheckpointError(`${cfg.architecture} SAE: missing parameter '${name}' ${fmt(shape)}`);
      if (!same(t.shape, shape)) throw new CheckpointError(`${cfg.architecture} SAE: parameter '${name}' has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
    }
    this.params = params;
  }

  get W_enc(): Tensor {
    return this.params.W_enc; // [d_in, d_sae]
  }

  get W_dec(): Tensor {
    return this.params.W_dec; // [d_sae, d_in]
  }

  get b_dec(): Tensor {
    return this.params.b_dec; // [d_in]
  }

  /** A freshly initialised SAE (see init.ts). */
  static create(device: Device, fields: Partial<SaeConfig> & { d_in: number; d_sae: number }, seed = 0): Sae {
    const cfg = makeConfig(fields);
    return Sae.fromHost(device, cfg, initHostParams(cfg, seed));
  }

  /** An SAELens checkpoint from bytes (no file system: browsers, Deno, bundles): cfg.json and the safetensors. */
  static fromBytes(bytes: SaeBytes, device: Device): Sae {
    return Sae.fromFolder(saeFolderFromBytes(bytes), device);
  }

  /**
   * An SAELens folder served over HTTP: fetches `${baseUrl}/cfg.json`, `sae_weights.safetensors` and
   * `sparsity.safetensors` (optional: a 404 means none). baseUrl may be relative to the page in browsers.
   */
  static async fromUrl(baseUrl: string, device: Device, opts: FetchUrlOptions = {}): Promise<Sae> {
    const [cfg, weights, sparsity] = await Promise.all([
      fetchText(joinUrl(baseUrl, "cfg.json"), opts),
      fetchBytes(joinUrl(baseUrl, "sae_weights.safetensors"), opts),
      fetchOptionalBytes(joinUrl(baseUrl, "sparsity.safetensors"), opts),
    ]);
    return Sae.fromBytes({ cfg, weights, sparsity, label: baseUrl.replace(/\/$/, "") }, device);
  }

  /**
   * A checkpoint already read to the host (saeFolderFromBytes; @sae/core/node's folder reader and pretrained
   * conversions): uploads the parameters and keeps the extra cfg.json keys and the feature sparsity.
   */
  static fromFolder(folder: SaeFolder, device: Device): Sae {
    const sae = Sae.fromHost(device, folder.cfg, folder.host);
    sae.extraConfig = folder.extra;
    sae.sparsity = folder.sparsity;
    return sae;
  }

  /** Uploads host parameters (training layout names). */
  static fromHost(device: Device, cfg: SaeConfig, host: Record<string, Float32Array>): Sae {
    const shapes = architecture(cfg.architecture).paramShapes(cfg);
    const params: SaeParams = {};
    for (const [name, shape] of Object.entries(shapes)) {
      const data = host[name];
      if (!data) throw new CheckpointError(`${cfg.architecture} SAE: missing parameter '${name}' ${fmt(shape)}`);
      if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new CheckpointError(`${cfg.architecture} SAE: parameter '${name}' has ${data.length} values, expected shape ${fmt(shape)}`);
      params[name] = Tensor.from(device, shape, data, name);
    }
    return new Sae(device, cfg, params);
  }

  private scaled(x: Tensor): Tensor {
    const norm = this.cfg.normalize_activations;
    if (norm === "layer_norm" || norm === "constant_norm_rescale") {
      if (this.runtimeNorm?.mode !== norm) {
        this.runtimeNorm?.dispose();
        this.runtimeNorm = new RuntimeNorm(norm);
      }
      return this.runtimeNorm.normIn(x);
    }
    const s = this.activationScale ?? 1;
    return saeAxpby(x, null, null, s, 0, 0);
  }

  /**
   * Feature activations [..., d_sae] of x [..., d_in] (any leading shape, e.g. [batch, pos, d_in]). With layer_norm
   * / constant_norm_rescale, x is normalised per token first and the statistics are kept for the next decode.
   */
  async encode(x: Tensor): Promise<Tensor> {
    const x2 = this.rows(x, this.cfg.d_in, "input");
    const xs = this.scaled(x2);
    const saeIn = center(this, xs);
    const f = await this.arch.encode(this, saeIn);
    disposeAll([xs, saeIn]);
    return withLead(f, x.shape);
  }

  /**
   * encode() split at SAELens's hook_sae_acts_pre: `onPre` sees hidden_pre [..., d_sae] and may return a
   * replacement, which the activation then reads. Returns f and the pre-activation used (caller disposes both).
   */
  async encodeWithPre(x: Tensor, onPre?: (pre: Tensor) => Tensor | void | Promise<Tensor | void>): Promise<{ f: Tensor; pre: Tensor }> {
    await settleTopkThreshold(this); // the activation may read BatchTopK's threshold
    const x2 = this.rows(x, this.cfg.d_in, "input");
    const xs = this.scaled(x2);
    const saeIn = center(this, xs);
    let pre = withLead(hiddenPre(this, saeIn), x.shape);
    const edited = await onPre?.(pre);
    if (edited && edited !== pre) {
      pre.dispose();
      pre = edited;
    }
    const f = activate(this, pre.reshape([saeIn.shape[0], this.cfg.d_sae]), saeIn);
    disposeAll([xs, saeIn]);
    return { f: withLead(f, x.shape), pre };
  }

  /**
   * SAELens fold_W_dec_norm: W_dec rows to unit norm with the norms folded into W_enc's columns (and b_enc, b_gate,
   * b_mag, the JumpReLU threshold), so encode/decode are unchanged. TopK refuses, as SAELens does without
   * rescale_acts_by_decoder_norm (the top k could change).
   */
  async foldWDecNorm(): Promise<void> {
    const host = foldDecoderNorms(this.cfg, await this.toHost());
    for (const [name, data] of Object.entries(host)) this.params[name].write(data);
  }

  /**
   * Reconstruction [..., d_in] = f W_dec + b_dec of f [..., d_sae], divided by the activation scale when one is
   * set, or mapped back with the last encode's per-token statistics (layer_norm: x_hat * std + mean).
   */
  decode(f: Tensor): Tensor {
    const f2 = this.rows(f, this.cfg.d_sae, "feature activations");
    return withLead(this.denormalize(this.arch.decode ? this.arch.decode(this, f2) : decodeDense(this, f2)), f.shape);
  }

  /**
   * decode() split at SAELens's hook_sae_recons: `onRecons` sees f W_dec + b_dec [n, d_in] before the runtime
   * normalisation / activation scale is undone, and may return a replacement (which stays the caller's).
   */
  async decodeWithRecons(f: Tensor, onRecons?: (recons: Tensor) => Tensor | void | Promise<Tensor | void>): Promise<Tensor> {
    const f2 = this.rows(f, this.cfg.d_sae, "feature activations");
    let raw = this.arch.decode ? this.arch.decode(this, f2) : decodeDense(this, f2); // [n, d_in]
    const edited = await onRecons?.(raw);
    if (edited && edited !== raw) {
      raw.dispose();
      raw = saeAxpby(edited.reshape(raw.shape), null, null, 1, 0, 0); // an own copy
    }
    return withLead(this.denormalize(raw), f.shape);
  }

  /** The reconstruction back in the input space (layer_norm / constant_norm_rescale statistics, activation scale). */
  private denormalize(out: Tensor): Tensor {
    if (this.runtimeNorm && this.cfg.normalize_activations === this.runtimeNorm.mode) {
      const back = this.runtimeNorm.normOut(out);
      out.dispose();
      return back;
    }
    if (this.activationScale === null) return out;
    const back = saeAxpby(out, null, null, 1 / this.activationScale, 0, 0);
    out.dispose();
    return back;
  }

  /** decode(encode(x)); with `errorTerm`, adds x - x_hat so the output equals x exactly. */
  async forward(x: Tensor, opts: { errorTerm?: boolean } = {}): Promise<Tensor> {
    const f = await this.encode(x);
    const out = this.decode(f);
    f.dispose();
    if (!opts.errorTerm) return out;
    const err = saeAxpby(x, out, null, 1, -1, 0);
    const sum = saeAxpby(out, err, null, 1, 1, 0);
    disposeAll([out, err]);
    return sum;
  }

  /** Training forward on x [batch, d_in] (scaled when activationScale is set); losses as [1] tensors. */
  async trainForward(x: Tensor, ctx: TrainContext = {}): Promise<TrainOutput> {
    this.checkInput(x);
    const norm = this.cfg.normalize_activations;
    if (norm === "layer_norm" || norm === "constant_norm_rescale") {
      // SAELens takes the MSE in the input space (after x_hat * std + mean), a per-token weighting the
      // architectures' fused training steps do not have.
      throw new SaeConfigError(`${this.cfg.architecture} SAE${this.cfg.hook_name ? ` at ${this.cfg.hook_name}` : ""}: training with normalize_activations '${norm}' is not implemented (inference is); train with none or expected_average_only_in`);
    }
    if (ctx.target) this.checkTarget(x, ctx.target);
    this.step?.dispose();
    const xs = this.scaled(x);
    this.step = await this.arch.trainForward(this, xs, ctx);
    if (!ctx.deferReads) await settleTopkThreshold(this); // BatchTopK's threshold as of this step
    const step = this.step;
    this.step = { out: step.out, backward: () => step.backward(), dispose: () => (step.dispose(), xs.dispose()) };
    return step.out;
  }

  /** Gradients of the last trainForward's total loss w.r.t. every parameter, by name (caller disposes them). */
  backward(): SaeParams {
    if (!this.step) throw new CheckpointError("backward() needs a trainForward() first");
    return this.step.backward();
  }

  /** Frees the tensors the last training step holds (its outputs included). */
  releaseStep(): void {
    this.step?.dispose();
    this.step = null;
  }

  /** W_dec rows to unit norm in place (SAELens normalize_sae_decoder, after each optimiser step). */
  normalizeDecoder(): void {
    const n = saeRowNorm(this.params.W_dec);
    saeRowScale("divide", this.params.W_dec, n);
    n.dispose();
  }

  /** Host copies of the parameters (training layout). */
  async toHost(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(this.params)) out[name] = (await t.read()) as Float32Array;
    return out;
  }

  dispose(): void {
    this.releaseStep();
    dropThresholdLog(this);
    this.runtimeNorm?.dispose();
    this.runtimeNorm = null;
    disposeAll(Object.values(this.params));
  }

  /** [..., width] as a [rows, width] view. */
  private rows(t: Tensor, width: number, what: string): Tensor {
    return asRows(t, width, `${this.cfg.architecture} SAE${this.cfg.hook_name ? ` at ${this.cfg.hook_name}` : ""}`, what);
  }

  /** Transcoder training: a [batch, d_in] target, no b_dec on the input, no activation scaling (as SAELens's). */
  private checkTarget(x: Tensor, target: Tensor): void {
    const who = `${this.cfg.architecture} SAE${this.cfg.hook_name ? ` at ${this.cfg.hook_name}` : ""}`;
    if (!this.arch.readsTarget) throw new SaeConfigError(`${who}: trains against a target (transcoder) only as 'standard'`);
    if (target.shape.length !== 2 || target.shape[0] !== x.shape[0] || target.shape[1] !== this.cfg.d_in) {
      throw new ShapeError(`${who}: target ${fmt(target.shape)} must be [batch = ${x.shape[0]}, d_in = ${this.cfg.d_in}]`);
    }
    if (this.cfg.apply_b_dec_to_input || this.activationScale !== null || this.cfg.normalize_activations !== "none") {
      const why = "apply_b_dec_to_input false, normalize_activations none, no activation scale";
      throw new SaeConfigError(`${who}: a transcoder trains with ${why} (as SAELens's Transcoder)`);
    }
  }

  private checkInput(x: Tensor): void {
    if (x.shape.length !== 2 || x.shape[1] !== this.cfg.d_in) {
      throw new ShapeError(`${this.cfg.architecture} SAE${this.cfg.hook_name ? ` at ${this.cfg.hook_name}` : ""}: input ${fmt(x.shape)} must be [batch, d_in = ${this.cfg.d_in}]`);
    }
  }
}

function same(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmt(s: Shape): string {
  return `[${s.join(", ")}]`;
}
