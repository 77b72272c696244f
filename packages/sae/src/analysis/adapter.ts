// asAnalysisModel: wraps any HookedTransformer-shaped model (structurally: @sae/core never imports
// @sae/transformer) as the AnalysisModel the analysis functions use. W_U comes from the model's unembedding()
// accessor (the weights it holds, read once; no forward pass), transposed to [d_model, d_vocab].
import { LimitError, Tensor, type Device, type HostTensor } from "@sae/tensor-core";
import type { HookableModel } from "../spliced.ts";
import type { ActivationHook, AnalysisModel, AnalysisSae, AnalysisSaeConfig, SampleOptions } from "./types.ts";

/** The part of @sae/transformer's HookedTransformer the adapter uses (spliced.ts's HookableModel and more). */
export interface HookedTransformerLike extends HookableModel<readonly (readonly number[])[]> {
  readonly cfg: { dModel: number; dVocab: number; nCtx: number; nLayers: number; bosTokenId: number };
  readonly device: Device;
  toTokens(text: string): { ids: Int32Array };
  toStrTokens(ids: readonly number[]): string[];
  /** The unembedding as held by the model: logits = x @ W_U_T^T + b_U (then the final soft cap, if any). */
  /** W_U_T [d_vocab, d_model]: an f32 tensor or packed f16/bf16 weights, anything that reads back as numbers. */
  unembedding(): { W_U_T: { readonly shape: readonly number[]; read(): Promise<ArrayLike<number>> } };
  forward(ids: readonly (readonly number[])[]): Promise<Tensor>;
  /** Next-token cross-entropy [batch, pos - 1] from the logits in blocks of positions (LogitRows). */
  tokenLosses(
    ids: readonly (readonly number[])[],
    opts: { hooks?: Readonly<Record<string, ActivationHook>> },
  ): Promise<ArrayLike<number>>;
  runWithCache(ids: readonly (readonly number[])[], opts: { names: readonly string[] }): Promise<{ logits: Tensor | null; cache: Record<string, Tensor> }>;
  generate(
    prompt: string,
    opts: {
      maxNewTokens?: number;
      temperature?: number;
      topK?: number;
      seed?: number;
      freqPenalty?: number;
      hooks?: Readonly<Record<string, ActivationHook>>;
      signal?: AbortSignal;
    },
  ): Promise<{ text: string }>;
}

export function asAnalysisModel(model: HookedTransformerLike, name: string): AnalysisModel {
  const { dModel: D, dVocab: V, nCtx } = model.cfg;
  let unembed: Promise<HostTensor<"f32">> | null = null;
  return {
    name,
    vocabSize: V,
    nCtx,
    toIds: (text) => Array.from(model.toTokens(text).ids),
    idsToStrings: (ids) => model.toStrTokens(ids),
    async hookActivations(ids, hook) {
      const r = await model.runWithCache(ids, { names: [hook] });
      r.logits?.dispose();
      const act = r.cache[hook];
      if (!act) throw new LimitError(`model returned no activation for hook '${hook}'`);
      return act;
    },
    logits: (ids, hooks) => (hooks ? model.runWithHooks(ids, hooks) : model.forward(ids)),
    tokenLosses: async (ids, hooks) => Array.from(await model.tokenLosses([ids], { hooks })),
    async generate(prompt: string, o: SampleOptions) {
      const { maxNewTokens, temperature, seed, freqPenalty, hooks, signal } = o;
      const topK = o.topK ?? 0;
      const r = await model.generate(prompt, { maxNewTokens, temperature, topK, seed, freqPenalty, hooks, signal });
      return r.text;
    },
    unembedding() {
      unembed ??= readUnembedding(model, D, V);
      return unembed;
    },
  };
}

/** W_U [d_model, d_vocab] from the model's W_U_T [d_vocab, d_model] (one read, transposed on the host). */
async function readUnembedding(model: HookedTransformerLike, D: number, V: number): Promise<HostTensor<"f32">> {
  const { W_U_T } = model.unembedding();
  if (W_U_T.shape[0] !== V || W_U_T.shape[1] !== D) {
    throw new LimitError(`unembedding W_U_T is [${W_U_T.shape.join(", ")}], expected [${V}, ${D}] (d_vocab, d_model)`);
  }
  const t = await W_U_T.read(); // [d_vocab, d_model]
  const W_U = new Float32Array(D * V);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) W_U[d * V + v] = t[v * D + d];
  return { shape: [D, V], dtype: "f32", data: W_U };
}

/** The part of @sae/core's Sae the adapter uses (parameters by SAELens name). */
export interface SaeLike {
  readonly cfg: AnalysisSaeConfig;
  readonly params: Readonly<Record<string, Tensor>>;
  encode(x: Tensor): Tensor | Promise<Tensor>;
}

/** Exposes an Sae's W_dec [d_sae, d_in] (read at each use, so training updates are seen) and its encoder. */
export function asAnalysisSae(sae: SaeLike): AnalysisSae {
  const W_dec = sae.params.W_dec;
  if (!W_dec) throw new LimitError(`SAE at '${sae.cfg.hook_name}' has no W_dec parameter (has ${Object.keys(sae.params).join(", ")})`);
  return {
    cfg: sae.cfg,
    get W_dec() {
      return sae.params.W_dec;
    },
    encode: (x) => sae.encode(x),
  };
}
