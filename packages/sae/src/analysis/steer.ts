// Steering: generate with strength * W_dec[i] (summed over the chosen features) added to the activation at the
// SAE's hook, at every position, next to an unsteered completion drawn with the same seed.
import { ShapeError, Tensor, add, throwIfCancelled, type HostTensor } from "@sae/tensor-core";
import { checkSteerFeatures } from "./checks.ts";
import { hostDecoder } from "./logits.ts";
import type { ActivationHook, AnalysisModel, AnalysisSae, SteerFeature } from "./types.ts";

/** sum_j strength_j * W_dec[index_j], [d_in]. */
export function steeringVector(W_dec: HostTensor, features: readonly SteerFeature[]): Float32Array {
  const [d_sae, d_in] = W_dec.shape;
  checkSteerFeatures(d_sae, features);
  const v = new Float64Array(d_in);
  for (const { index, strength } of features) for (let d = 0; d < d_in; d++) v[d] += strength * W_dec.data[index * d_in + d];
  return Float32Array.from(v);
}

/** A hook adding `vec` [d_in] to every position of an activation [..., d_in] (broadcast add on the device). */
export function addVectorHook(vec: Tensor): ActivationHook {
  const d_in = vec.size;
  return (act: Tensor): Tensor => {
    if (act.shape[act.shape.length - 1] !== d_in) throw new ShapeError(`steering vector [${d_in}] does not fit activation [${act.shape.join(", ")}]`);
    return add(act, vec);
  };
}

export interface SteerOptions {
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  seed: number;
  /** Frequency penalty for both completions (SampleOptions.freqPenalty). */
  freqPenalty?: number;
  /** Stops the run between tokens (CancelledError; the steering vector and the generations' tensors are freed). */
  signal?: AbortSignal;
}

export interface SteerResult {
  prompt: string;
  features: SteerFeature[];
  steered: string;
  unsteered: string;
}

/** Steered and unsteered completions of `prompt` with the same sampling seed. */
export async function steerGenerate(model: AnalysisModel, sae: AnalysisSae, prompt: string, features: readonly SteerFeature[], opts: SteerOptions): Promise<SteerResult> {
  checkSteerFeatures(sae.cfg.d_sae, features);
  const vec = steeringVector(await hostDecoder(sae), features);
  const vecTensor = Tensor.from(sae.W_dec.device, [vec.length], vec, "steering vector");
  try {
    const { maxNewTokens, temperature, topK, seed, freqPenalty, signal } = opts;
    const sample = { maxNewTokens, temperature, topK, seed, freqPenalty, signal };
    throwIfCancelled(signal, "steerGenerate");
    const unsteered = await model.generate(prompt, sample);
    throwIfCancelled(signal, "steerGenerate after the unsteered completion");
    const steered = await model.generate(prompt, { ...sample, hooks: { [sae.cfg.hook_name]: addVectorHook(vecTensor) } });
    return { prompt, features: features.map((f) => ({ index: f.index, strength: f.strength })), steered, unsteered };
  } finally {
    vecTensor.dispose();
  }
}
