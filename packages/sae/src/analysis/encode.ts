// Feature activations of an SAE on a model's activations, and the top features at each token of a prompt
// (what `sae inspect` and `POST /v1/encode` show). The SAE runs on the device; selection runs on the CPU.
import { ShapeError, type HostTensor, type Tensor } from "@sae/tensor-core";
import { topOfRow } from "./topn.ts";
import type { AnalysisModel, AnalysisSae, FeatureValue } from "./types.ts";

/** Feature activations for equal-length sequences: [batch * pos, d_sae] on the CPU (row = b * pos + p). */
export async function featureActivations(model: AnalysisModel, sae: AnalysisSae, ids: readonly (readonly number[])[]): Promise<HostTensor<"f32">> {
  const act = await model.hookActivations(ids, sae.cfg.hook_name); // [batch, pos, d_in]
  try {
    return await encodeActivation(sae, act);
  } finally {
    act.dispose();
  }
}

/** Encodes a hook activation [..., d_in] -> [rows, d_sae] on the CPU. Does not dispose `act`. */
export async function encodeActivation(sae: AnalysisSae, act: Tensor): Promise<HostTensor<"f32">> {
  const { d_in, d_sae, hook_name } = sae.cfg;
  const width = act.shape[act.shape.length - 1];
  if (width !== d_in) throw new ShapeError(`SAE d_in ${d_in} does not match the width ${width} of model activation '${hook_name}' [${act.shape.join(", ")}]`);
  const rows = act.size / d_in;
  const f = await sae.encode(act.reshape([rows, d_in])); // [rows, d_sae]
  try {
    if (f.size !== rows * d_sae) throw new ShapeError(`SAE encode returned [${f.shape.join(", ")}], expected [${rows}, ${d_sae}]`);
    return { shape: [rows, d_sae], dtype: "f32", data: (await f.read()) as Float32Array };
  } finally {
    f.dispose();
  }
}

export interface TokenFeatures {
  /** Token ids of the prompt (BOS included when the model prepends one). */
  ids: number[];
  /** The display string of each token. */
  tokens: string[];
  /** Per token, the `top` features with the largest positive activations, largest first. */
  features: FeatureValue[][];
}

/** The top features per token of a prompt. */
export async function topFeaturesPerToken(model: AnalysisModel, sae: AnalysisSae, text: string, opts: { top?: number } = {}): Promise<TokenFeatures> {
  const top = opts.top ?? 5;
  const ids = model.toIds(text);
  const acts = await featureActivations(model, sae, [ids]);
  const d_sae = sae.cfg.d_sae;
  const features = ids.map((_, p) => topOfRow(acts.data, p * d_sae, d_sae, top));
  return { ids, tokens: model.idsToStrings(ids), features };
}
