// Feature ablation inside the spliced SAE: with the SAE's error term kept (so the unablated splice leaves the model
// unchanged), zeroing features F changes the hook activation to x - sum_{i in F} f_i(x) W_dec[i] (every
// architecture's decoder is linear in f). Reports the next-token cross-entropy before and after.
import { Tensor, type HostTensor } from "@sae/tensor-core";
import { encodeActivation } from "./encode.ts";
import { hostDecoder } from "./logits.ts";
import { checkFeatureIndices } from "./checks.ts";
import type { AnalysisModel, AnalysisSae } from "./types.ts";

export interface AblationResult {
  features: number[];
  tokens: string[];
  /** Mean next-token cross-entropy (nats) over positions 0 .. pos-2. */
  lossClean: number;
  lossAblated: number;
  /** lossAblated - lossClean */
  delta: number;
  /** Per predicted token (pos - 1 entries). */
  perToken: { clean: number[]; ablated: number[] };
}

/** Cross-entropy of each next token: logits [pos, V] (flat), ids [pos] -> [pos - 1]. */
export function nextTokenLosses(logits: ArrayLike<number>, ids: readonly number[], V: number): number[] {
  const out: number[] = [];
  for (let p = 0; p + 1 < ids.length; p++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[p * V + v]);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[p * V + v] - m);
    out.push(m + Math.log(s) - logits[p * V + ids[p + 1]]);
  }
  return out;
}

/** x - sum_{i in F} f[:, i] W_dec[i] for x [rows, d_in] and f [rows, d_sae]. */
export function ablatedActivation(x: Float32Array, f: HostTensor, W_dec: HostTensor, features: readonly number[]): Float32Array {
  const [rows, d_sae] = f.shape;
  const d_in = W_dec.shape[1];
  const out = Float32Array.from(x);
  for (let r = 0; r < rows; r++) for (const i of features) {
    const a = f.data[r * d_sae + i];
    if (a !== 0) for (let d = 0; d < d_in; d++) out[r * d_in + d] -= a * W_dec.data[i * d_in + d];
  }
  return out;
}

export async function ablateFeatures(model: AnalysisModel, sae: AnalysisSae, text: string, features: readonly number[]): Promise<AblationResult> {
  checkFeatureIndices(sae.cfg.d_sae, features);
  const ids = model.toIds(text);
  const act = await model.hookActivations([ids], sae.cfg.hook_name); // [1, pos, d_in]
  let x: Float32Array;
  let f: HostTensor;
  const shape = [...act.shape];
  try {
    x = (await act.read()) as Float32Array;
    f = await encodeActivation(sae, act); // [pos, d_sae]
  } finally {
    act.dispose();
  }
  const xAbl = ablatedActivation(x, f, await hostDecoder(sae), features);
  const cleanLoss = await model.tokenLosses(ids);
  const device = sae.W_dec.device;
  const replace = () => Tensor.from(device, shape, xAbl, "ablated activation");
  const ablatedLoss = await model.tokenLosses(ids, { [sae.cfg.hook_name]: replace });
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const lossClean = mean(cleanLoss);
  const lossAblated = mean(ablatedLoss);
  return { features: [...features], tokens: model.idsToStrings(ids), lossClean, lossAblated, delta: lossAblated - lossClean, perToken: { clean: cleanLoss, ablated: ablatedLoss } };
}
