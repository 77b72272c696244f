// Next-token sampling from one row of logits, shared by every generator (the transformer's `generate` and the tiny
// fake model of the analysis tests): greedy at temperature 0, otherwise one draw from softmax(logits / temperature)
// over the topK largest. Plus the frequency penalty of TransformerLens / Neuronpedia (`freq_penalty`).
import type { Rng } from "./random.ts";

/** Picks the next token from one row of logits [d_vocab]; ties go to the lower id. */
export function sampleToken(
  logits: ArrayLike<number>,
  temperature: number,
  topK: number | undefined,
  rng: Rng,
): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature <= 0) return best;
  let ids = Array.from({ length: logits.length }, (_, i) => i);
  if (topK && topK > 0 && topK < ids.length) ids = ids.sort((a, b) => logits[b] - logits[a] || a - b).slice(0, topK);
  const weights = ids.map((i) => Math.exp((logits[i] - logits[best]) / temperature));
  let r = rng.next() * weights.reduce((s, x) => s + x, 0);
  for (let j = 0; j < ids.length; j++) {
    r -= weights[j];
    if (r < 0) return ids[j];
  }
  return ids[ids.length - 1];
}

/**
 * logits - penalty * count(token in `tokens`) for every token id (TransformerLens's `freq_penalty`: the counts run over
 * the whole sequence so far, prompt included). Returns `logits` itself when the penalty is 0 (or unset), else a new row.
 */
export function penalizeFrequency(logits: Float32Array, tokens: readonly number[], penalty = 0): Float32Array {
  if (!penalty) return logits;
  const out = logits.slice();
  for (const t of tokens) if (t >= 0 && t < out.length) out[t] -= penalty;
  return out;
}
