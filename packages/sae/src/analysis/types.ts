// The structural interfaces the analysis functions need from a language model and an SAE, and the plain result
// types they return. @sae/core never imports @sae/transformer: `asAnalysisModel` (adapter.ts) turns a
// HookedTransformer-shaped object into an AnalysisModel; tests use the tiny fakes in fakes.ts.
import type { HostTensor, Tensor } from "@sae/tensor-core";

/** Reads (returns nothing) or replaces (returns a tensor of the same shape) an activation. */
export type ActivationHook = (act: Tensor, ctx?: unknown) => Tensor | void;

export interface SampleOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK?: number;
  seed: number;
  /** TransformerLens's freq_penalty: minus penalty * (times the token occurs in the sequence so far); 0 = off. */
  freqPenalty?: number;
  hooks?: Record<string, ActivationHook>;
  /** Checked between tokens: once it fires, generate frees its tensors and throws CancelledError. */
  signal?: AbortSignal;
}

/** What the analysis functions use of a language model. Token ids are plain numbers. */
export interface AnalysisModel {
  /** A name for reports (e.g. "gpt2-small", "tiny-shakespeare"). */
  readonly name: string;
  readonly vocabSize: number;
  /** Context length (n_ctx): the most tokens one sequence may hold, when the model has a limit. */
  readonly nCtx?: number;
  /** Token ids of a text; the BOS token first when the model prepends one. */
  toIds(text: string): number[];
  /** One display string per id (the text each token decodes to). */
  idsToStrings(ids: readonly number[]): string[];
  /** The activation at `hook` for equal-length sequences: [batch, pos, d_in]. The caller disposes it. */
  hookActivations(ids: readonly (readonly number[])[], hook: string): Promise<Tensor>;
  /** Logits [batch, pos, d_vocab] with optional hooks. The caller disposes it. */
  logits(ids: readonly (readonly number[])[], hooks?: Record<string, ActivationHook>): Promise<Tensor>;
  /**
   * Next-token cross-entropy (nats) of one sequence with optional hooks: [pos - 1]. Never needs the logits as one
   * tensor (a 256k vocabulary's are read in blocks of positions).
   */
  tokenLosses(ids: readonly number[], hooks?: Record<string, ActivationHook>): Promise<number[]>;
  /** The completion only (the text after the prompt). */
  generate(prompt: string, opts: SampleOptions): Promise<string>;
  /** W_U [d_model, d_vocab]. */
  unembedding(): Promise<HostTensor<"f32">>;
}

/** The SAELens cfg fields analysis reads. */
export interface AnalysisSaeConfig {
  d_in: number;
  d_sae: number;
  hook_name: string;
  neuronpedia_id?: string | null;
  model_name?: string;
}

/** What the analysis functions use of an SAE. */
export interface AnalysisSae {
  readonly cfg: AnalysisSaeConfig;
  /** [d_sae, d_in] */
  readonly W_dec: Tensor;
  /** x [n, d_in] -> feature activations [n, d_sae]. */
  encode(x: Tensor): Tensor | Promise<Tensor>;
}

/** One feature's activation at one token. */
export interface FeatureValue {
  index: number;
  value: number;
}

/** A token and a value attached to it (logit effect, contribution). */
export interface TokenValue {
  token: number;
  str: string;
  value: number;
}

/** A steering request: add strength * W_dec[index] at the SAE's hook. */
export interface SteerFeature {
  index: number;
  strength: number;
}
