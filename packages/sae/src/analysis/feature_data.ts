// The dashboard's feature data: one pass of the SAE over a corpus (FeatureCollector) plus each feature's logit
// effects and Neuronpedia link, as plain records. feature_file.ts stores them; the server serves them.
import { LimitError, throwIfCancelled } from "@sae/tensor-core";
import { COLLECT_DEFAULTS, FeatureCollector, type CollectOptions, type FeatureStats } from "./collect.ts";
import { featureActivations } from "./encode.ts";
import { hostDecoder } from "./logits.ts";
import { featureLogitEffectsGpu } from "./logits_gpu.ts";
import { neuronpediaUrl } from "./neuronpedia.ts";
import type { AnalysisModel, AnalysisSae, TokenValue } from "./types.ts";

export interface FeatureRecord extends FeatureStats {
  /** Tokens W_dec[i] @ W_U promotes / suppresses most (null when not computed). */
  logits: { promoted: TokenValue[]; suppressed: TokenValue[] } | null;
  neuronpedia: string | null;
}

export interface FeatureDataMeta {
  format: "sae-feature-data";
  version: 1;
  model: string;
  hook_name: string;
  d_in: number;
  d_sae: number;
  neuronpedia_id: string | null;
  n_sequences: number;
  /** Tokens counted toward density (BOS positions excluded when skipFirstPosition). */
  n_tokens: number;
  context_size: number;
  options: CollectOptions;
  created: string;
}

export interface FeatureData {
  meta: FeatureDataMeta;
  /** Display string of every token id (examples store ids). */
  vocab: string[];
  features: FeatureRecord[];
}

/** Random access to stored feature records (a file on disk or an in-memory FeatureData). */
export interface FeatureSource {
  readonly meta: FeatureDataMeta;
  readonly vocab: readonly string[];
  get(index: number): Promise<FeatureRecord>;
}

export function inMemoryFeatures(data: FeatureData): FeatureSource {
  return {
    meta: data.meta,
    vocab: data.vocab,
    async get(index: number) {
      const r = data.features[index];
      if (!r) throw new LimitError(`feature index ${index} out of range [0, ${data.features.length})`);
      return r;
    },
  };
}

/** Cuts a text's tokens into sequences of `contextSize` (each starting with the model's BOS when it has one). */
export function sequencesFromText(model: AnalysisModel, text: string, contextSize: number, maxTokens = Infinity): number[][] {
  const prefix = model.toIds("");
  const body = model.toIds(text).slice(prefix.length);
  const step = contextSize - prefix.length;
  if (step < 1) throw new LimitError(`context size ${contextSize} leaves no room after ${prefix.length} BOS token(s)`);
  const out: number[][] = [];
  for (let s = 0; s + step <= body.length && out.length * contextSize < maxTokens; s += step) out.push([...prefix, ...body.slice(s, s + step)]);
  if (out.length === 0) throw new LimitError(`corpus has ${body.length} tokens, fewer than one sequence of ${step}`);
  return out;
}

export interface CollectFeatureDataOptions extends Partial<CollectOptions> {
  /** Sequences per forward pass. */
  batchSize?: number;
  /** Promoted/suppressed tokens per feature; 0 skips logit effects. */
  topLogits?: number;
  onProgress?: (done: number, total: number) => void;
  /** Checked before every batch and before the logit effects: once it fires, a CancelledError. */
  signal?: AbortSignal;
}

/** Runs the model + SAE over the sequences once and builds every feature's record. */
export async function collectFeatureData(
  model: AnalysisModel,
  sae: AnalysisSae,
  sequences: readonly (readonly number[])[],
  opts: CollectFeatureDataOptions = {},
): Promise<FeatureData> {
  const { batchSize = 8, topLogits = 10, onProgress, signal, ...rest } = opts;
  const ctx = sequences[0]?.length ?? 0;
  if (sequences.some((s) => s.length !== ctx)) throw new LimitError(`collectFeatureData: all sequences must have the same length (${ctx})`);
  const collector = new FeatureCollector(sae.cfg.d_sae, rest);
  for (let s = 0; s < sequences.length; s += batchSize) {
    throwIfCancelled(signal, `collectFeatureData after ${s} of ${sequences.length} sequences`);
    const batch = sequences.slice(s, s + batchSize);
    const acts = await featureActivations(model, sae, batch);
    collector.add(batch, acts.data);
    onProgress?.(Math.min(s + batchSize, sequences.length), sequences.length);
  }
  throwIfCancelled(signal, "collectFeatureData before the logit effects");
  const stats = collector.finish();
  const logits = topLogits > 0
    ? await featureLogitEffectsGpu(sae.W_dec.device, await hostDecoder(sae), await model.unembedding(), stats.map((f) => f.index), topLogits, (ids) => model.idsToStrings(ids))
    : null;
  const npId = sae.cfg.neuronpedia_id ?? null;
  const features = stats.map((f, i): FeatureRecord => ({
    ...f,
    logits: logits ? { promoted: logits[i].promoted, suppressed: logits[i].suppressed } : null,
    neuronpedia: npId ? neuronpediaUrl(npId, f.index) : null,
  }));
  const vocab = model.idsToStrings(Array.from({ length: model.vocabSize }, (_, i) => i));
  const meta: FeatureDataMeta = {
    format: "sae-feature-data",
    version: 1,
    model: model.name,
    hook_name: sae.cfg.hook_name,
    d_in: sae.cfg.d_in,
    d_sae: sae.cfg.d_sae,
    neuronpedia_id: npId,
    n_sequences: collector.sequences,
    n_tokens: collector.tokens,
    context_size: ctx,
    options: { ...COLLECT_DEFAULTS, ...rest },
    created: new Date().toISOString(),
  };
  return { meta, vocab, features };
}
