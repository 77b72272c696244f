// asAnalysisModel: wraps any HookedTransformer-shaped model (structurally: @sae/core never imports
// @sae/transformer) as the AnalysisModel the analysis functions use. W_U is read through the public hook API:
// replacing ln_final's output by the rows 0, e_0, .., e_{d_model-1} gives logits b_U, W_U[0] + b_U, ...
import { LimitError, Tensor, type Device, type HostTensor } from "@sae/tensor-core";
import type { HookableModel } from "../spliced.ts";
import type { ActivationHook, AnalysisModel, AnalysisSae, AnalysisSaeConfig, SampleOptions } from "./types.ts";

/** The part of @sae/transformer's HookedTransformer the adapter uses (spliced.ts's HookableModel and more). */
export interface HookedTransformerLike extends HookableModel<readonly (readonly number[])[]> {
  readonly cfg: { dModel: number; dVocab: number; nCtx: number; nLayers: number; bosTokenId: number };
  readonly device: Device;
  toTokens(text: string): { ids: Int32Array };
  toStrTokens(ids: readonly number[]): string[];
  forward(ids: readonly (readonly number[])[]): Promise<Tensor>;
  runWithCache(ids: readonly (readonly number[])[], opts: { names: readonly string[] }): Promise<{ logits: Tensor | null; cache: Record<string, Tensor> }>;
  generate(
    prompt: string,
    opts: { maxNewTokens?: number; temperature?: number; topK?: number; seed?: number; hooks?: Readonly<Record<string, ActivationHook>> },
  ): Promise<{ text: string }>;
}

const FINAL = "ln_final.hook_normalized";

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
    async generate(prompt: string, o: SampleOptions) {
      const r = await model.generate(prompt, { maxNewTokens: o.maxNewTokens, temperature: o.temperature, topK: o.topK ?? 0, seed: o.seed, hooks: o.hooks });
      return r.text;
    },
    unembedding() {
      unembed ??= probeUnembedding(model, D, V, nCtx);
      return unembed;
    },
  };
}

/** W_U [d_model, d_vocab] from logits of basis rows fed in place of ln_final's output. */
async function probeUnembedding(model: HookedTransformerLike, D: number, V: number, nCtx: number): Promise<HostTensor<"f32">> {
  const rows = D + 1; // row 0: zeros (gives b_U); row d + 1: e_d
  const pos = Math.min(nCtx, rows);
  const batch = Math.ceil(rows / pos);
  const basis = new Float32Array(batch * pos * D);
  for (let d = 0; d < D; d++) basis[(d + 1) * D + d] = 1;
  const ids = Array.from({ length: batch }, () => new Array<number>(pos).fill(model.cfg.bosTokenId));
  const logits = await model.runWithHooks(ids, { [FINAL]: () => Tensor.from(model.device, [batch, pos, D], basis, "unembedding probe") });
  const all = (await logits.read()) as Float32Array; // [batch * pos, V]
  logits.dispose();
  const W_U = new Float32Array(D * V);
  for (let d = 0; d < D; d++) for (let v = 0; v < V; v++) W_U[d * V + v] = all[(d + 1) * V + v] - all[v];
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
