// Logit attribution through the unembedding: per feature, the tokens its decoder direction W_dec[i] @ W_U
// promotes and suppresses most; per prompt and target token, each active feature's direct contribution
// act_i * (W_dec[i] @ W_U[:, target]) to the target's logit. Direct path only (no later layers, no final LN).
import { LimitError, ShapeError, type HostTensor } from "@sae/tensor-core";
import { featureActivations } from "./encode.ts";
import { topOfRow } from "./topn.ts";
import type { AnalysisModel, AnalysisSae, TokenValue } from "./types.ts";

export interface LogitEffects {
  index: number;
  /** Largest W_dec[i] @ W_U entries first. */
  promoted: TokenValue[];
  /** Most negative entries first. */
  suppressed: TokenValue[];
}

function checkUnembed(W_dec: HostTensor, W_U: HostTensor): { d_sae: number; d_in: number; V: number } {
  const [d_sae, d_in] = W_dec.shape;
  const [d_u, V] = W_U.shape;
  if (W_dec.shape.length !== 2 || W_U.shape.length !== 2 || d_u !== d_in) {
    throw new ShapeError(`logit attribution: W_dec [${W_dec.shape.join(", ")}] and W_U [${W_U.shape.join(", ")}] must be [d_sae, d_in] and [d_in, d_vocab]`);
  }
  return { d_sae, d_in, V };
}

/** W_dec[index] @ W_U: the direct effect of one unit of the feature on every logit, [d_vocab]. */
export function featureLogitRow(W_dec: HostTensor, W_U: HostTensor, index: number): Float64Array {
  const { d_sae, d_in, V } = checkUnembed(W_dec, W_U);
  if (!(index >= 0 && index < d_sae)) throw new LimitError(`feature index ${index} out of range [0, ${d_sae})`);
  const out = new Float64Array(V);
  const w = W_dec.data;
  const u = W_U.data;
  for (let d = 0; d < d_in; d++) {
    const a = w[index * d_in + d];
    if (a === 0) continue;
    const off = d * V;
    for (let v = 0; v < V; v++) out[v] += a * u[off + v];
  }
  return out;
}

/** Top and bottom `topN` tokens of W_dec[i] @ W_U for each listed feature (CPU, O(d_in * d_vocab) per feature). */
export function featureLogitEffects(
  W_dec: HostTensor,
  W_U: HostTensor,
  features: readonly number[],
  topN: number,
  idsToStrings: (ids: readonly number[]) => string[],
): LogitEffects[] {
  return features.map((index) => {
    const row = featureLogitRow(W_dec, W_U, index);
    const neg = row.map((v) => -v);
    const all = (): boolean => true;
    const pick = (ids: number[]): TokenValue[] => {
      const strs = idsToStrings(ids);
      return ids.map((token, j) => ({ token, str: strs[j], value: row[token] }));
    };
    const promoted = topOfRow(row, 0, row.length, topN, all).map((f) => f.index);
    const suppressed = topOfRow(neg, 0, neg.length, topN, all).map((f) => f.index);
    return { index, promoted: pick(promoted), suppressed: pick(suppressed) };
  });
}

export interface FeatureContribution {
  index: number;
  /** The feature's activation at the position. */
  act: number;
  /** W_dec[i] @ W_U[:, target] */
  direct: number;
  /** act * direct */
  contribution: number;
}

export interface PromptAttribution {
  ids: number[];
  tokens: string[];
  /** The position whose next-token logit is explained (default: the last). */
  pos: number;
  target: TokenValue;
  /** Active features, largest |contribution| first; `value` of target is their sum. */
  contributions: FeatureContribution[];
}

/** The token id of a one-token string (e.g. " Paris"), or the id itself. */
export function singleTokenId(model: AnalysisModel, target: number | string): number {
  if (typeof target === "number") {
    if (!Number.isInteger(target) || target < 0 || target >= model.vocabSize) throw new LimitError(`target token ${target} out of range [0, ${model.vocabSize})`);
    return target;
  }
  const prefix = model.toIds("").length;
  const ids = model.toIds(target).slice(prefix);
  if (ids.length !== 1) throw new LimitError(`target '${target}' is ${ids.length} tokens (${model.idsToStrings(ids).map((s) => JSON.stringify(s)).join(" ")}); give a single token`);
  return ids[0];
}

/** Each active feature's direct contribution to the target token's logit at `pos`. */
export async function promptLogitAttribution(
  model: AnalysisModel,
  sae: AnalysisSae,
  prompt: string,
  target: number | string,
  opts: { pos?: number; W_dec?: HostTensor; W_U?: HostTensor } = {},
): Promise<PromptAttribution> {
  const token = singleTokenId(model, target);
  const ids = model.toIds(prompt);
  const pos = opts.pos ?? ids.length - 1;
  if (!(pos >= 0 && pos < ids.length)) throw new LimitError(`position ${pos} out of range [0, ${ids.length})`);
  const acts = await featureActivations(model, sae, [ids]);
  const W_dec = opts.W_dec ?? (await hostDecoder(sae));
  const W_U = opts.W_U ?? (await model.unembedding());
  const { d_sae, d_in, V } = checkUnembed(W_dec, W_U);
  const contributions: FeatureContribution[] = [];
  let total = 0;
  for (let i = 0; i < d_sae; i++) {
    const act = acts.data[pos * d_sae + i];
    if (!(act > 0)) continue;
    let direct = 0;
    for (let d = 0; d < d_in; d++) direct += W_dec.data[i * d_in + d] * W_U.data[d * V + token];
    contributions.push({ index: i, act, direct, contribution: act * direct });
    total += act * direct;
  }
  contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.index - b.index);
  return { ids, tokens: model.idsToStrings(ids), pos, target: { token, str: model.idsToStrings([token])[0], value: total }, contributions };
}

const decoders = new WeakMap<object, Promise<HostTensor<"f32">>>();

/** W_dec on the CPU, read once per SAE and cached. */
export function hostDecoder(sae: AnalysisSae): Promise<HostTensor<"f32">> {
  let p = decoders.get(sae);
  if (!p) {
    const { d_sae, d_in } = sae.cfg;
    p = sae.W_dec.read().then((data) => ({ shape: [d_sae, d_in], dtype: "f32" as const, data: data as Float32Array }));
    decoders.set(sae, p);
  }
  return p;
}
