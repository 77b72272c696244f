// HookedTransformer: any supported model family (GPT-2, GPT-Neo, GPT-NeoX, Llama, Qwen 2, Mistral, Gemma 2) on the
// tensor core with TransformerLens hook points. forward -> logits, runWithCache (returns only the requested
// activations and stops after the last block it needs), runWithHooks (hooks read or replace activations), and the
// low-level `run` that generate.ts drives with a KV cache. What differs between families is data in ModelConfig
// (arch.ts); the block itself is block.ts. Loading is in load.ts / load_model.ts.
import { LimitError, ShapeError, Tensor, add, fmt, type Device } from "@sae/tensor-core";
import type { ModelConfig } from "./arch.ts";
import { embed } from "./attention.ts";
import { runBlock, runNorm, type DeviceBlock, type Emit, type KvCache } from "./block.ts";
import {
  gatherRows,
  uploadWeights,
  weightParts,
  type DeviceWeights,
  type UploadOptions,
  type WeightDType,
} from "./device_weights.ts";
import { generate, type GenerateOptions, type GenerateResult } from "./generate.ts";
import { hookLayer, hookNamesFor, type HookFn } from "./hooks.ts";
import { fullLogits, logitRows, type LogitRows, type Unembedding } from "./logit_rows.ts";
import { nextTokenLosses } from "./logit_stats.ts";
import type { ModelParams } from "./params.ts";
import { rotaryInvFreq, rotaryTables } from "./rope.ts";
import {
  defaultPrependBos,
  encodeTexts,
  toBatch,
  type ModelInput,
  type TextTokenizer,
  type ToTokensOptions,
  type TokenBatch,
} from "./tokens.ts";

export type { DeviceBlock, DeviceWeights, KvCache, Unembedding };

export interface RunOptions {
  hooks?: Readonly<Record<string, HookFn>>;
  /** Activations to return (by hook name). */
  keep?: readonly string[];
  /** Run only blocks [0, stopAtLayer); no logits then. */
  stopAtLayer?: number;
  /** Cached generation: keys/values go into kv at rows posOffset.. and attention reads all rows before. */
  kv?: KvCache;
  posOffset?: number;
  /** With keep: also run to the logits (default: only when keep is empty or has an ln_final hook). */
  logits?: boolean;
  /**
   * Return the logits as `rows` (LogitRows: blocks of positions, each fitting one binding) instead of one tensor:
   * the whole tensor is computed only when it fits one binding, else the final-normed residual is kept.
   */
  logitRows?: boolean;
}

export interface RunResult {
  /** [batch, pos, d_vocab], or null when the run stopped before the unembedding or returned `rows`. */
  logits: Tensor | null;
  /** With opts.logitRows: the logits in blocks of positions (the caller disposes them). */
  rows?: LogitRows;
  cache: Record<string, Tensor>;
  /** How many transformer blocks ran. */
  blocksRun: number;
}

export interface RunWithCacheOptions {
  names: readonly string[];
  stopAtLayer?: number;
  /** Also compute logits (runs every block). Implied when names include an ln_final hook. */
  logits?: boolean;
}

export class HookedTransformer {
  readonly cfg: ModelConfig;
  readonly device: Device;
  readonly tokenizer: TextTokenizer | null;
  private readonly w: DeviceWeights;
  private readonly invFreq: Float32Array;
  private readonly dtype: WeightDType;

  /**
   * upload.dtype "f16" / "bf16" keeps the weight matrices in half precision on the device (device_weights.ts);
   * norms, biases and activations stay f32.
   */
  constructor(
    device: Device,
    cfg: ModelConfig,
    params: ModelParams,
    tokenizer: TextTokenizer | null = null,
    upload: UploadOptions = {},
  ) {
    this.cfg = cfg;
    this.device = device;
    this.tokenizer = tokenizer;
    this.w = uploadWeights(device, params, upload);
    this.dtype = upload.dtype ?? "f32";
    this.invFreq = cfg.positions === "rotary" ? rotaryInvFreq(cfg) : new Float32Array(0);
  }

  hookNames(): string[] {
    return hookNamesFor(this.cfg.nLayers, this.cfg);
  }

  /** The layer a hook name fires in; UnknownHookError for names this model does not have. */
  hookLayer(name: string): number {
    return hookLayer(name, this.cfg.nLayers, this.cfg);
  }

  /** W_U (transposed) and b_U as the model holds them, without running a forward pass. */
  unembedding(): Unembedding {
    return { W_U_T: this.w.W_U_T, b_U: this.w.b_U, softcap: this.cfg.finalSoftcap };
  }

  /** Bytes the weights take on the device (every buffer once; a tied unembedding once). */
  memory(): { weightBytes: number; dtype: WeightDType } {
    return { weightBytes: weightParts(this.w).reduce((s, t) => s + t.byteLength, 0), dtype: this.dtype };
  }

  /** Text -> ids, BOS first unless prependBos is false (default per family: defaultPrependBos); right-padded. */
  toTokens(text: string | readonly string[], opts: ToTokensOptions = {}): TokenBatch {
    return toBatch(typeof text === "string" ? text : [...text], this.tok(), this.cfg.bosTokenId, this.bosOpts(opts));
  }

  /** One string per token (BOS included by default), or the pieces of the given ids. */
  toStrTokens(input: string | readonly number[], opts: ToTokensOptions = {}): string[] {
    const tok = this.tok();
    const ids = typeof input === "string" ? encodeTexts(tok, input, this.cfg.bosTokenId, this.bosOpts(opts))[0] : input;
    return ids.map((id) => tok.decode([id]));
  }

  private bosOpts(opts: ToTokensOptions): ToTokensOptions {
    return { prependBos: opts.prependBos ?? defaultPrependBos(this.cfg.family) };
  }

  toString(ids: readonly number[]): string {
    return this.tok().decode(ids.filter((id) => id !== this.cfg.bosTokenId));
  }

  private tok(): TextTokenizer {
    if (!this.tokenizer) throw new ShapeError("this model was loaded without a tokenizer; pass token ids instead of text");
    return this.tokenizer;
  }

  /**
   * Logits [batch, pos, d_vocab]. Padding positions (mask 0) are computed but never attended to. Over one binding
   * the tensor is filled in blocks of positions; LimitError when it cannot be allocated at all: logitRows,
   * tokenLosses and generate need only blocks of it.
   */
  async forward(input: ModelInput): Promise<Tensor> {
    return (await this.run(this.batchOf(input))).logits!;
  }

  async runWithHooks(input: ModelInput, hooks: Readonly<Record<string, HookFn>>): Promise<Tensor> {
    return (await this.run(this.batchOf(input), { hooks })).logits!;
  }

  /** The logits in blocks of positions that each fit one binding (logit_rows.ts); the caller disposes them. */
  async logitRows(input: ModelInput, opts: { hooks?: Readonly<Record<string, HookFn>> } = {}): Promise<LogitRows> {
    return (await this.run(this.batchOf(input), { hooks: opts.hooks, logitRows: true })).rows!;
  }

  /** Next-token cross-entropy [batch, pos - 1] (nats, float64) without the full logits (logit_stats.ts). */
  async tokenLosses(input: ModelInput, opts: { hooks?: Readonly<Record<string, HookFn>> } = {}): Promise<Float64Array> {
    const batch = this.batchOf(input);
    const rows = (await this.run(batch, { hooks: opts.hooks, logitRows: true })).rows!;
    try {
      return await nextTokenLosses(rows, batch.ids);
    } finally {
      rows.dispose();
    }
  }

  /** Only the named activations come back; the pass stops after the last block they need (then logits is null). */
  async runWithCache(input: ModelInput, opts: RunWithCacheOptions): Promise<RunResult> {
    return this.run(this.batchOf(input), { keep: opts.names, stopAtLayer: opts.stopAtLayer, logits: opts.logits });
  }

  generate(prompt: string | readonly number[], opts: GenerateOptions = {}): Promise<GenerateResult> {
    return generate(this, prompt, opts);
  }

  batchOf(input: ModelInput): TokenBatch {
    return toBatch(input, this.tokenizer, this.cfg.bosTokenId, this.bosOpts({}));
  }

  /** Blocks needed for the kept names: resid_pre of block L needs only blocks < L. */
  private blocksNeeded(keep: readonly string[], stopAtLayer: number | undefined, wantLogits: boolean): { blocks: number; logits: boolean } {
    const L = this.cfg.nLayers;
    if (stopAtLayer !== undefined && (!Number.isInteger(stopAtLayer) || stopAtLayer < 0 || stopAtLayer > L)) {
      throw new ShapeError(`stopAtLayer ${stopAtLayer} is outside [0, ${L}]`);
    }
    let blocks = keep.length === 0 || wantLogits ? L : 0;
    for (const name of keep) {
      const layer = this.hookLayer(name);
      blocks = Math.max(blocks, name === `blocks.${layer}.hook_resid_pre` ? layer : Math.min(layer + 1, L));
    }
    const logits = keep.length === 0 || wantLogits || keep.some((n) => n.startsWith("ln_final."));
    if (stopAtLayer !== undefined) return { blocks: Math.min(stopAtLayer, blocks), logits: logits && stopAtLayer === L };
    return { blocks, logits };
  }

  /** The forward pass. Every intermediate tensor it made is disposed except the kept ones and the logits. */
  async run(batch: TokenBatch, opts: RunOptions = {}): Promise<RunResult> {
    const { hooks = {}, keep = [], kv, posOffset = 0 } = opts;
    for (const name of Object.keys(hooks)) this.hookLayer(name);
    const plan = this.blocksNeeded(keep, opts.stopAtLayer, opts.logits ?? false);
    const cfg = this.cfg;
    const { batch: B, pos: P } = batch;
    for (const id of batch.ids) {
      if (!(id >= 0 && id < cfg.dVocab)) throw new ShapeError(`token id ${id} is outside the vocabulary [0, ${cfg.dVocab})`);
    }
    const made: Tensor[] = [];
    const cache: Record<string, Tensor> = {};
    const track = <T extends Tensor>(t: T): T => (made.push(t), t);
    const emit: Emit = async (name, layer, t) => {
      track(t);
      const fn = hooks[name];
      const r = fn ? await fn(t, { name, layer, posOffset }) : undefined;
      if (r && r !== t) {
        if (r.shape.length !== t.shape.length || r.shape.some((d, i) => d !== t.shape[i])) {
          throw new ShapeError(`hook ${name} returned ${fmt(r.shape)}, expected ${fmt(t.shape)}`);
        }
        t = track(r);
      }
      if (keep.includes(name)) cache[name] = t;
      return t;
    };
    const device = this.device;
    const tokens = track(Tensor.from<"i32">(device, [B, P], batch.ids, "tokens"));
    const mask = kv ? kv.mask : track(Tensor.from<"i32">(device, [B, P], batch.mask, "mask"));
    const w = this.w;
    let x: Tensor; // [batch, pos, d_model]
    if (w.W_pos && w.W_E instanceof Tensor) {
      const e = embed(tokens, w.W_E, w.W_pos, posOffset);
      const hEmbed = await emit("hook_embed", -1, e.embed);
      const hPos = await emit("hook_pos_embed", -1, e.posEmbed);
      x = track(add(hEmbed, hPos));
    } else {
      const out = Tensor.empty(device, [B, P, cfg.dModel], "f32", "hook_embed");
      gatherRows(w.W_E, tokens.reshape([B * P]), out.reshape([B * P, cfg.dModel]));
      x = await emit("hook_embed", -1, out);
      if (w.W_pos) x = track(add(x, await emit("hook_pos_embed", -1, this.posEmbed(w.W_pos, B, P, posOffset, track))));
    }
    let rot: { cos: Tensor; sin: Tensor } | null = null;
    if (cfg.positions === "rotary") {
      const t = rotaryTables(this.invFreq, posOffset, P, cfg.ropeLinearFactor);
      const shape = [P, cfg.rotaryDim / 2];
      rot = {
        cos: track(Tensor.from(device, shape, t.cos, "rotary cos")),
        sin: track(Tensor.from(device, shape, t.sin, "rotary sin")),
      };
    }
    let blocksRun = 0;
    for (let l = 0; l < cfg.nLayers; l++) {
      x = await emit(`blocks.${l}.hook_resid_pre`, l, x);
      if (l >= plan.blocks) break;
      const observed = (name: string) => name in hooks || keep.includes(name);
      x = await runBlock({ cfg, layer: l, w: w.blocks[l], x, mask, kv, posOffset, rot, emit, track, observed });
      blocksRun++;
    }
    let logits: Tensor | null = null;
    let rows: LogitRows | undefined;
    const held: Tensor[] = [];
    if (plan.logits && blocksRun === cfg.nLayers) {
      const xf = await runNorm(cfg, "ln_final", cfg.nLayers, x, w.lnFW, w.lnFB, emit); // [batch, pos, d_model]
      if (opts.logitRows) {
        const r = logitRows(xf, this.unembedding(), !Object.values(cache).includes(xf));
        rows = r.rows;
        if (r.holds) held.push(xf);
      } else {
        logits = fullLogits(xf, this.unembedding()); // [batch, pos, d_vocab]
      }
    }
    const kept = new Set([...Object.values(cache), ...held]);
    for (const t of made) if (!kept.has(t)) t.dispose();
    return { logits, cache, blocksRun, ...(rows ? { rows } : {}) };
  }

  /** Learned positions posOffset.. for every row (packed W_E: the fused embed kernel reads f32 tables only). */
  private posEmbed(W_pos: Tensor, B: number, P: number, posOffset: number, track: <T extends Tensor>(t: T) => T) {
    if (posOffset + P > this.cfg.nCtx) {
      throw new LimitError(`positions ${posOffset}..${posOffset + P - 1} exceed n_ctx ${this.cfg.nCtx}`);
    }
    const ids = Int32Array.from({ length: B * P }, (_, i) => posOffset + (i % P));
    const posIds = track(Tensor.from<"i32">(this.device, [B * P], ids, "positions"));
    const out = track(Tensor.empty(this.device, [B, P, this.cfg.dModel], "f32", "hook_pos_embed"));
    gatherRows(W_pos, posIds, out.reshape([B * P, this.cfg.dModel]));
    return out;
  }

  dispose(): void {
    for (const t of weightParts(this.w)) t.dispose();
  }
}
