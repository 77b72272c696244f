// HookedTransformer: GPT-2 on the tensor core with TransformerLens hook points. forward -> logits, runWithCache
// (returns only the requested activations and stops after the last block it needs), runWithHooks (hooks read or
// replace activations), and the low-level `run` that generate.ts drives with a KV cache. Loading is in load.ts.
import { ShapeError, Tensor, add, fmt, gelu, layerNorm, matmul, type Device } from "@sae/tensor-core";
import { attnPattern, attnZ, embed, kvAppend, splitQkv, type KeyValues } from "./attention.ts";
import type { Gpt2Config } from "./config.ts";
import { generate, type GenerateOptions, type GenerateResult } from "./generate.ts";
import { hookLayer, hookNamesFor, type HookFn } from "./hooks.ts";
import { encodeTexts, toBatch, type ModelInput, type TextTokenizer, type ToTokensOptions, type TokenBatch } from "./tokens.ts";
import type { Gpt2Params, HostParam } from "./weights.ts";

type Weights<T> = { [K in keyof Omit<Gpt2Params, "blocks">]: T } & { blocks: { [K in keyof Gpt2Params["blocks"][number]]: T }[] };

/** Per-layer key/value buffers for cached generation: [batch, stride, n_heads, d_head] each. */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  mask: Tensor<"i32">; // [batch, stride]
}

export interface RunOptions {
  hooks?: Readonly<Record<string, HookFn>>;
  /** Activations to return (by hook name). */
  keep?: readonly string[];
  /** Run only blocks [0, stopAtLayer); no logits then. */
  stopAtLayer?: number;
  /** Cached generation: keys/values go into kv at rows posOffset.. and attention reads all rows before. */
  kv?: KvCache;
  posOffset?: number;
  /** With keep: also run to the logits (default: only when keep is empty or has ln_final.hook_normalized). */
  logits?: boolean;
}

export interface RunResult {
  /** [batch, pos, d_vocab], or null when the run stopped before the unembedding. */
  logits: Tensor | null;
  cache: Record<string, Tensor>;
  /** How many transformer blocks ran. */
  blocksRun: number;
}

export interface RunWithCacheOptions {
  names: readonly string[];
  stopAtLayer?: number;
  /** Also compute logits (runs every block). Implied when names include ln_final.hook_normalized. */
  logits?: boolean;
}

export class HookedTransformer {
  readonly cfg: Gpt2Config;
  readonly device: Device;
  readonly tokenizer: TextTokenizer | null;
  private readonly w: Weights<Tensor>;

  constructor(device: Device, cfg: Gpt2Config, params: Gpt2Params, tokenizer: TextTokenizer | null = null) {
    this.cfg = cfg;
    this.device = device;
    this.tokenizer = tokenizer;
    const up = (p: HostParam, label: string) => Tensor.from(device, p.shape, p.data, label);
    const top = Object.fromEntries(Object.entries(params).filter(([k]) => k !== "blocks").map(([k, v]) => [k, up(v as HostParam, k)]));
    const blocks = params.blocks.map((b, l) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, up(v, `blocks.${l}.${k}`)])));
    this.w = { ...top, blocks } as Weights<Tensor>;
  }

  hookNames(): string[] {
    return hookNamesFor(this.cfg.nLayers);
  }

  /** Text -> ids, BOS (<|endoftext|>) first unless prependBos is false; many texts are right-padded. */
  toTokens(text: string | readonly string[], opts: ToTokensOptions = {}): TokenBatch {
    return toBatch(typeof text === "string" ? text : [...text], this.tok(), this.cfg.bosTokenId, opts);
  }

  /** One string per token (BOS included by default), or the pieces of the given ids. */
  toStrTokens(input: string | readonly number[], opts: ToTokensOptions = {}): string[] {
    const tok = this.tok();
    const ids = typeof input === "string" ? encodeTexts(tok, input, this.cfg.bosTokenId, opts)[0] : input;
    return ids.map((id) => (id === this.cfg.bosTokenId ? "<|endoftext|>" : tok.decode([id])));
  }

  toString(ids: readonly number[]): string {
    return this.tok().decode(ids.filter((id) => id !== this.cfg.bosTokenId));
  }

  private tok(): TextTokenizer {
    if (!this.tokenizer) throw new ShapeError("this model was loaded without a tokenizer; pass token ids instead of text");
    return this.tokenizer;
  }

  /** Logits [batch, pos, d_vocab]. Padding positions (mask 0) are computed but never attended to. */
  async forward(input: ModelInput): Promise<Tensor> {
    return (await this.run(this.batchOf(input))).logits!;
  }

  async runWithHooks(input: ModelInput, hooks: Readonly<Record<string, HookFn>>): Promise<Tensor> {
    return (await this.run(this.batchOf(input), { hooks })).logits!;
  }

  /** Only the named activations come back; the pass stops after the last block they need (then logits is null). */
  async runWithCache(input: ModelInput, opts: RunWithCacheOptions): Promise<RunResult> {
    return this.run(this.batchOf(input), { keep: opts.names, stopAtLayer: opts.stopAtLayer, logits: opts.logits });
  }

  generate(prompt: string | readonly number[], opts: GenerateOptions = {}): Promise<GenerateResult> {
    return generate(this, prompt, opts);
  }

  batchOf(input: ModelInput): TokenBatch {
    return toBatch(input, this.tokenizer, this.cfg.bosTokenId);
  }

  /** Blocks needed for the kept names: resid_pre of block L needs only blocks < L. */
  private blocksNeeded(keep: readonly string[], stopAtLayer: number | undefined, wantLogits: boolean): { blocks: number; logits: boolean } {
    const L = this.cfg.nLayers;
    if (stopAtLayer !== undefined && (!Number.isInteger(stopAtLayer) || stopAtLayer < 0 || stopAtLayer > L)) {
      throw new ShapeError(`stopAtLayer ${stopAtLayer} is outside [0, ${L}]`);
    }
    let blocks = keep.length === 0 || wantLogits ? L : 0;
    for (const name of keep) {
      const layer = hookLayer(name, L);
      blocks = Math.max(blocks, name === `blocks.${layer}.hook_resid_pre` ? layer : Math.min(layer + 1, L));
    }
    const logits = keep.length === 0 || wantLogits || keep.includes("ln_final.hook_normalized");
    if (stopAtLayer !== undefined) return { blocks: Math.min(stopAtLayer, blocks), logits: logits && stopAtLayer === L };
    return { blocks, logits };
  }

  /** The forward pass. Every intermediate tensor it made is disposed except the kept ones and the logits. */
  async run(batch: TokenBatch, opts: RunOptions = {}): Promise<RunResult> {
    const { hooks = {}, keep = [], kv, posOffset = 0 } = opts;
    for (const name of Object.keys(hooks)) hookLayer(name, this.cfg.nLayers);
    const plan = this.blocksNeeded(keep, opts.stopAtLayer, opts.logits ?? false);
    const { nHeads, dModel, eps } = this.cfg;
    const { batch: B, pos: P } = batch;
    for (const id of batch.ids) {
      if (!(id >= 0 && id < this.cfg.dVocab)) throw new ShapeError(`token id ${id} is outside the vocabulary [0, ${this.cfg.dVocab})`);
    }
    const made: Tensor[] = [];
    const cache: Record<string, Tensor> = {};
    const track = <T extends Tensor>(t: T): T => (made.push(t), t);
    const emit = async (name: string, layer: number, t: Tensor): Promise<Tensor> => {
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
    const e = embed(tokens, w.W_E, w.W_pos, posOffset);
    const hEmbed = await emit("hook_embed", -1, e.embed);
    const hPos = await emit("hook_pos_embed", -1, e.posEmbed);
    let x = track(add(hEmbed, hPos)); // [batch, pos, d_model]
    let blocksRun = 0;
    for (let l = 0; l < this.cfg.nLayers; l++) {
      const p = `blocks.${l}.`;
      const b = w.blocks[l];
      x = await emit(p + "hook_resid_pre", l, x);
      if (l >= plan.blocks) break;
      const h1 = await emit(p + "ln1.hook_normalized", l, layerNorm(x, b.ln1W, b.ln1B, { eps }));
      const qkv = track(matmul(h1, b.W_QKV, { bias: b.b_QKV })); // [batch, pos, 3 * d_model]
      const split = splitQkv(qkv, nHeads);
      const q = await emit(p + "attn.hook_q", l, split.q);
      const k = await emit(p + "attn.hook_k", l, split.k);
      const v = await emit(p + "attn.hook_v", l, split.v);
      let kvl: KeyValues = { k, v, mask, keys: P };
      if (kv) {
        kvAppend(k, kv.k[l], posOffset);
        kvAppend(v, kv.v[l], posOffset);
        kvl = { k: kv.k[l], v: kv.v[l], mask, keys: posOffset + P };
      }
      const pattern = await emit(p + "attn.hook_pattern", l, attnPattern(q, kvl, posOffset));
      const z = await emit(p + "attn.hook_z", l, attnZ(pattern, kvl));
      const attnOut = await emit(p + "hook_attn_out", l, matmul(z.reshape([B, P, dModel]), b.W_O, { bias: b.b_O }));
      x = await emit(p + "hook_resid_mid", l, add(x, attnOut));
      const h2 = await emit(p + "ln2.hook_normalized", l, layerNorm(x, b.ln2W, b.ln2B, { eps }));
      const pre = await emit(p + "mlp.hook_pre", l, matmul(h2, b.W_in, { bias: b.b_in }));
      const post = await emit(p + "mlp.hook_post", l, gelu(pre));
      const mlpOut = await emit(p + "hook_mlp_out", l, matmul(post, b.W_out, { bias: b.b_out }));
      x = await emit(p + "hook_resid_post", l, add(x, mlpOut));
      blocksRun++;
    }
    let logits: Tensor | null = null;
    if (plan.logits && blocksRun === this.cfg.nLayers) {
      const xf = await emit("ln_final.hook_normalized", this.cfg.nLayers, layerNorm(x, w.lnFW, w.lnFB, { eps }));
      logits = matmul(xf, w.W_U_T, { transB: true, bias: w.b_U }); // [batch, pos, d_vocab]
    }
    const kept = new Set(Object.values(cache));
    for (const t of made) if (!kept.has(t)) t.dispose();
    return { logits, cache, blocksRun };
  }

  dispose(): void {
    const { blocks, ...top } = this.w;
    for (const t of Object.values(top)) t.dispose();
    for (const b of blocks) for (const t of Object.values(b)) t.dispose();
  }
}
