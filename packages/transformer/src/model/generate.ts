// Autoregressive sampling for one prompt. With the KV cache (the default) the prompt runs once and each new token
// costs one single-position pass that attends over the cached keys/values; `useCache: false` recomputes the whole
// sequence every step (the reference the cache is tested against). Hooks apply to every pass. An AbortSignal
// stops it between tokens (CancelledError, KV cache freed).
import { LimitError, Rng, ShapeError, Tensor, penalizeFrequency, sampleToken } from "@sae/tensor-core";
import { throwIfCancelled } from "@sae/tensor-core";
import type { HookedTransformer, KvCache } from "./hooked_transformer.ts";
import type { HookFn } from "./hooks.ts";
import { defaultPrependBos, encodeTexts } from "./tokens.ts";

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 means greedy (argmax). */
  temperature?: number;
  /** Sample among the k most likely tokens only (0 or undefined: all). */
  topK?: number;
  seed?: number;
  /** Subtracted from a token's logit once per time it occurs in the sequence so far, prompt included (0: off). */
  freqPenalty?: number;
  hooks?: Readonly<Record<string, HookFn>>;
  /** Stop when the model's EOS token (cfg.eosTokenId; <|endoftext|> for GPT-2) is sampled. */
  stopAtEos?: boolean;
  useCache?: boolean;
  /** Only for text prompts: BOS first (default: defaultPrependBos of the model's family, as toTokens). */
  prependBos?: boolean;
  /** Checked before every pass: once it fires, generate frees its KV cache and throws CancelledError. */
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** Prompt ids followed by the new ones. */
  tokens: number[];
  newTokens: number[];
  /** The decoded new tokens (empty when the model has no tokenizer). */
  text: string;
}

export const GENERATE_DEFAULTS = {
  maxNewTokens: 32,
  temperature: 1,
  topK: 0,
  seed: 0,
  freqPenalty: 0,
  stopAtEos: false,
  useCache: true,
  prependBos: true,
};

export async function generate(model: HookedTransformer, prompt: string | readonly number[], options: GenerateOptions = {}): Promise<GenerateResult> {
  const o = { ...GENERATE_DEFAULTS, ...options, prependBos: options.prependBos ?? defaultPrependBos(model.cfg.family) };
  const { nCtx, nLayers, nKvHeads, dHead, bosTokenId, eosTokenId } = model.cfg;
  if (typeof prompt === "string" && !model.tokenizer) throw new ShapeError("generate: a text prompt needs a tokenizer");
  const tokens = typeof prompt === "string" ? encodeTexts(model.tokenizer!, prompt, bosTokenId, o)[0] : [...prompt];
  if (tokens.length === 0) throw new ShapeError("generate: the prompt has no tokens");
  const total = tokens.length + o.maxNewTokens;
  if (total > nCtx) throw new LimitError(`generate: prompt ${tokens.length} + maxNewTokens ${o.maxNewTokens} = ${total} exceeds n_ctx ${nCtx}`);
  const rng = new Rng(o.seed);
  const device = model.device;
  const kv: KvCache | undefined = o.useCache
    ? {
        k: Array.from({ length: nLayers }, () => Tensor.zeros(device, [1, total, nKvHeads, dHead], "f32", "k cache")),
        v: Array.from({ length: nLayers }, () => Tensor.zeros(device, [1, total, nKvHeads, dHead], "f32", "v cache")),
        mask: Tensor.from<"i32">(device, [1, total], new Int32Array(total).fill(1), "kv mask"),
      }
    : undefined;
  const newTokens: number[] = [];
  try {
    let done = 0; // tokens already in the KV cache
    while (newTokens.length < o.maxNewTokens) {
      throwIfCancelled(o.signal, `generate after ${newTokens.length} of ${o.maxNewTokens} new tokens`);
      const input = kv ? tokens.slice(done) : tokens;
      const ids = Int32Array.from(input);
      const batch = { ids, mask: new Int32Array(ids.length).fill(1), batch: 1, pos: ids.length };
      // the last position's logits only: a prompt whose logits are over one binding is unembedded in blocks
      const { rows } = await model.run(batch, { hooks: o.hooks, kv, posOffset: kv ? done : 0, logitRows: true });
      const row = await rows!.read(ids.length - 1, ids.length).finally(() => rows!.dispose());
      if (kv) done = tokens.length;
      const next = sampleToken(penalizeFrequency(row, tokens, o.freqPenalty), o.temperature, o.topK, rng);
      tokens.push(next);
      newTokens.push(next);
      if (o.stopAtEos && next === eosTokenId) break;
    }
  } finally {
    if (kv) for (const t of [...kv.k, ...kv.v, kv.mask]) t.dispose();
  }
  const shown = newTokens.filter((t) => t !== bosTokenId && t !== eosTokenId);
  const text = model.tokenizer ? model.tokenizer.decode(shown) : "";
  return { tokens, newTokens, text };
}
