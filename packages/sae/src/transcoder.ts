// Transcoders as SAELens 6.18 defines them (saes/transcoder.py): an encoder reading one hook point (cfg.hook_name,
// width d_in) and a decoder writing another (cfg.hook_name_out, width d_out). No b_dec on the input side.
//   transcoder:          f = ReLU(x W_enc + b_enc),                       out = f W_dec + b_dec
//   skip_transcoder:     f as transcoder,                                 out = f W_dec + b_dec + x W_skip^T
//   jumprelu_transcoder: f = ReLU(pre) * (pre > threshold), pre = x W_enc + b_enc, out = f W_dec + b_dec
// The SAELens folder layout (cfg.json with d_out, metadata.hook_name_out; sae_weights.safetensors) from bytes
// (fromBytes) and to its contents (toFolder); reading and writing the folder on disk is transcoder_files.ts
// (@sae/core/node: loadTranscoder, saveTranscoder; what @sae/train's transcoder training ends with).
// encode/decode/forward take any leading shape; spliced via SplicedModel.attachTranscoder.
import {
  matmul,
  readSafetensors,
  saeActivation,
  saeAxpby,
  Tensor,
  type Device,
  type SafeTensor,
} from "@sae/tensor-core";
import { CFG_FILE, checkedTensors, parseJson, WEIGHTS_FILE } from "./checkpoint_bytes.ts";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { foldDecoderNorms } from "./fold.ts";
import { asRows, withLead } from "./rows.ts";
import type { Sae } from "./sae.ts";

export const TRANSCODER_ARCHITECTURES = ["transcoder", "skip_transcoder", "jumprelu_transcoder"] as const;
export type TranscoderArchitecture = (typeof TRANSCODER_ARCHITECTURES)[number];

export interface TranscoderConfig {
  architecture: TranscoderArchitecture;
  d_in: number;
  d_sae: number;
  d_out: number;
  /** Input hook point (what the encoder reads). */
  hook_name: string;
  /** Output hook point (what the decoder's output replaces). */
  hook_name_out: string;
  model_name: string;
}

/** Parameter names and shapes (SAELens names; W_skip only for skip_transcoder, threshold only for jumprelu). */
export function transcoderShapes(c: TranscoderConfig): Record<string, number[]> {
  const s: Record<string, number[]> = { W_enc: [c.d_in, c.d_sae], b_enc: [c.d_sae], W_dec: [c.d_sae, c.d_out], b_dec: [c.d_out] };
  if (c.architecture === "skip_transcoder") s.W_skip = [c.d_out, c.d_in];
  if (c.architecture === "jumprelu_transcoder") s.threshold = [c.d_sae];
  return s;
}

/** True when a cfg.json object names a transcoder architecture. */
export function isTranscoderConfig(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && (TRANSCODER_ARCHITECTURES as readonly unknown[]).includes((raw as { architecture?: unknown }).architecture);
}

/** A SAELens transcoder cfg.json (flat or with `metadata`) as a TranscoderConfig. */
export function transcoderConfig(raw: unknown, file = CFG_FILE): TranscoderConfig {
  if (!isTranscoderConfig(raw)) throw new SaeConfigError(`${file}: architecture must be one of ${TRANSCODER_ARCHITECTURES.join(", ")}`);
  const r = raw as Record<string, unknown>;
  const meta = (typeof r.metadata === "object" && r.metadata !== null ? r.metadata : {}) as Record<string, unknown>;
  const get = (k: string) => r[k] ?? meta[k];
  const int = (k: string) => {
    const v = get(k);
    if (!Number.isInteger(v) || (v as number) <= 0) throw new SaeConfigError(`${file}: field '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  for (const [k, want] of [["apply_b_dec_to_input", false], ["normalize_activations", "none"]] as const) {
    const v = get(k);
    if (v !== undefined && v !== null && v !== want) throw new SaeConfigError(`${file}: transcoders support ${k} = ${JSON.stringify(want)} only, got ${JSON.stringify(v)}`);
  }
  return {
    architecture: r.architecture as TranscoderArchitecture,
    d_in: int("d_in"),
    d_sae: int("d_sae"),
    d_out: int("d_out"),
    hook_name: String(get("hook_name") ?? ""),
    hook_name_out: String(get("hook_name_out") ?? ""),
    model_name: String(get("model_name") ?? ""),
  };
}

/** Host parameters from a weights file's tensors (SAELens names), each checked for shape, dtype and finiteness. */
export function transcoderHost(
  file: string,
  tensors: Map<string, SafeTensor>,
  cfg: TranscoderConfig,
): Record<string, Float32Array> {
  const why = ` (d_in ${cfg.d_in}, d_sae ${cfg.d_sae}, d_out ${cfg.d_out} in cfg.json)`;
  return checkedTensors(file, tensors, transcoderShapes(cfg), why);
}

/** A transcoder folder's contents: cfg.json's object and the weights by SAELens name. */
export interface TranscoderFolder {
  cfg: Record<string, unknown>;
  weights: Record<string, { shape: number[]; data: Float32Array }>;
}

export class Transcoder {
  readonly cfg: TranscoderConfig;
  readonly device: Device;
  readonly params: Record<string, Tensor>;

  constructor(device: Device, cfg: TranscoderConfig, params: Record<string, Tensor>) {
    for (const [name, shape] of Object.entries(transcoderShapes(cfg))) {
      const t = params[name];
      if (!t || t.shape.join() !== shape.join()) {
        throw new CheckpointError(`${cfg.architecture}: parameter '${name}' ${t ? `has shape [${t.shape.join(", ")}]` : "is missing"}, expected [${shape.join(", ")}]`);
      }
    }
    this.device = device;
    this.cfg = cfg;
    this.params = params;
  }

  static fromHost(device: Device, cfg: TranscoderConfig, host: Record<string, Float32Array>): Transcoder {
    const params: Record<string, Tensor> = {};
    for (const [name, shape] of Object.entries(transcoderShapes(cfg))) {
      if (!host[name]) throw new CheckpointError(`${cfg.architecture}: missing parameter '${name}' [${shape.join(", ")}]`);
      params[name] = Tensor.from(device, shape, host[name], name);
    }
    return new Transcoder(device, cfg, params);
  }

  /**
   * A pretrained transcoder release that loadPretrainedSae loaded as a standard / jumprelu Sae (extraConfig
   * `transcoder`, `hook_name_out`, `d_out`), as a Transcoder that SplicedModel.attachTranscoder can splice.
   */
  static async fromSae(sae: Sae): Promise<Transcoder> {
    const x = sae.extraConfig;
    const kind = x.transcoder;
    if (kind !== "transcoder" && kind !== "jumprelu_transcoder") {
      throw new SaeConfigError(`${sae.cfg.architecture} SAE at '${sae.cfg.hook_name}' is not a transcoder release (extraConfig.transcoder is ${JSON.stringify(kind)})`);
    }
    if (sae.cfg.apply_b_dec_to_input || sae.activationScale !== null || sae.cfg.normalize_activations !== "none") {
      throw new SaeConfigError(`transcoder at '${sae.cfg.hook_name}': apply_b_dec_to_input, activation scaling and normalisation are not supported`);
    }
    const host = await sae.toHost();
    if (host.log_threshold) {
      host.threshold = host.log_threshold.map(Math.exp);
      delete host.log_threshold;
    }
    const cfg: TranscoderConfig = {
      architecture: kind,
      d_in: sae.cfg.d_in,
      d_sae: sae.cfg.d_sae,
      d_out: Number(x.d_out ?? sae.cfg.d_in),
      hook_name: sae.cfg.hook_name,
      hook_name_out: String(x.hook_name_out ?? ""),
      model_name: sae.cfg.model_name,
    };
    return Transcoder.fromHost(sae.device, cfg, host);
  }

  /** A SAELens transcoder checkpoint from bytes (cfg.json text or object, sae_weights.safetensors); no file system. */
  static fromBytes(
    bytes: { cfg: string | unknown; weights: Uint8Array | ArrayBuffer; label?: string },
    device: Device,
  ): Transcoder {
    const at = (f: string) => (bytes.label ? `${bytes.label}/${f}` : f);
    const raw = typeof bytes.cfg === "string" ? parseJson(bytes.cfg, at(CFG_FILE)) : bytes.cfg;
    const cfg = transcoderConfig(raw, at(CFG_FILE));
    const file = at(WEIGHTS_FILE);
    const { tensors } = readSafetensors(bytes.weights, { file });
    return Transcoder.fromHost(device, cfg, transcoderHost(file, tensors, cfg));
  }

  /**
   * The SAELens transcoder folder's contents (SAELens 6.18 save_model: cfg.json with d_out and metadata.hook_name /
   * hook_name_out, sae_weights.safetensors by SAELens name), which saveTranscoder writes and SAELens reads.
   */
  async toFolder(): Promise<TranscoderFolder> {
    const c = this.cfg;
    const cfg = {
      architecture: c.architecture,
      d_in: c.d_in,
      d_sae: c.d_sae,
      d_out: c.d_out,
      dtype: "float32",
      device: "cpu",
      apply_b_dec_to_input: false,
      normalize_activations: "none",
      reshape_activations: "none",
      metadata: { model_name: c.model_name, hook_name: c.hook_name, hook_name_out: c.hook_name_out },
    };
    const weights: TranscoderFolder["weights"] = {};
    for (const [name, shape] of Object.entries(transcoderShapes(c))) {
      weights[name] = { shape, data: (await this.params[name].read()) as Float32Array };
    }
    return { cfg, weights };
  }

  private get who(): string {
    return `${this.cfg.architecture}${this.cfg.hook_name ? ` at ${this.cfg.hook_name}` : ""}`;
  }

  /** Feature activations [..., d_sae] of x [..., d_in]. */
  async encode(x: Tensor): Promise<Tensor> {
    const p = this.params;
    const pre = matmul(asRows(x, this.cfg.d_in, this.who, "input"), p.W_enc, { bias: p.b_enc }); // [n, d_sae]
    const f = this.cfg.architecture === "jumprelu_transcoder" ? saeActivation("threshold", pre, { v1: p.threshold }) : saeActivation("relu", pre);
    pre.dispose();
    return withLead(f, x.shape);
  }

  /** f W_dec + b_dec [..., d_out] (without the skip term, as SAELens's decode). */
  decode(f: Tensor): Tensor {
    return withLead(matmul(asRows(f, this.cfg.d_sae, this.who, "feature activations"), this.params.W_dec, { bias: this.params.b_dec }), f.shape);
  }

  /** The output-hook activation [..., d_out] for input x [..., d_in] (decode, plus x W_skip^T for skip_transcoder). */
  async forward(x: Tensor): Promise<Tensor> {
    const f = await this.encode(x);
    const out = this.decode(f);
    f.dispose();
    if (this.cfg.architecture !== "skip_transcoder") return out;
    const rows = asRows(out, this.cfg.d_out, this.who, "output");
    const skip = matmul(asRows(x, this.cfg.d_in, this.who, "input"), this.params.W_skip, { transB: true }); // [n, d_out]
    const sum = saeAxpby(rows, skip, null, 1, 1, 0);
    for (const t of [out, skip]) t.dispose();
    return withLead(sum, x.shape.length === 2 ? sum.shape : [...x.shape.slice(0, -1), this.cfg.d_out]);
  }

  /** SAELens fold_W_dec_norm (JumpReLUTranscoder scales its threshold too): W_dec rows to unit norm. */
  async foldWDecNorm(): Promise<void> {
    const host: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(this.params)) host[k] = (await t.read()) as Float32Array;
    for (const [k, v] of Object.entries(foldDecoderNorms(this.cfg, host))) this.params[k].write(v);
  }

  dispose(): void {
    for (const t of Object.values(this.params)) t.dispose();
  }
}
