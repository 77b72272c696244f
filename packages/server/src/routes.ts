// The /v1 route handlers: encode (top features per token), steer (steered + unsteered completions) and
// features (stored analysis of one feature, or its logit effects computed on the fly when no file is loaded).
// Every GPU-touching handler runs inside the FIFO queue.
import {
  featureLogitEffects,
  hostDecoder,
  neuronpediaUrl,
  steerGenerate,
  topFeaturesPerToken,
  type ActivationExample,
  type AnalysisModel,
  type AnalysisSae,
  type FeatureSource,
  type QuantileBucket,
} from "@sae/core";
import type { HostTensor } from "@sae/tensor-core";
import type { Context } from "hono";
import type { ServerLimits } from "./limits.ts";
import type { GpuQueue } from "./queue.ts";
import type { RequestSchemas } from "./schemas.ts";
import { fitsContext, parseBody, pathFeatureIndex } from "./validate.ts";

export interface RouteDeps {
  model: AnalysisModel;
  sae: AnalysisSae;
  features?: FeatureSource;
  limits: ServerLimits;
  queue: GpuQueue;
  schemas: RequestSchemas;
}

export function encodeRoute(d: RouteDeps) {
  return async (c: Context) => {
    const { text: t, top } = parseBody(await c.req.text(), d.schemas.encode);
    fitsContext(d.model.toIds(t).length, d.model.nCtx, "text", "is");
    const r = await d.queue.run(() => topFeaturesPerToken(d.model, d.sae, t, { top }), c.req.raw.signal);
    return c.json({ tokens: r.tokens, ids: r.ids, features: r.features });
  };
}

export function steerRoute(d: RouteDeps) {
  return async (c: Context) => {
    const body = parseBody(await c.req.text(), d.schemas.steer);
    const { prompt, features, seed, temperature, max_new_tokens: maxNewTokens, top_k: topK } = body;
    const promptTokens = d.model.toIds(prompt).length;
    fitsContext(promptTokens, d.model.nCtx, "prompt", "is");
    const total = `prompt (${promptTokens}) + max_new_tokens (${maxNewTokens}) =`;
    fitsContext(promptTokens + maxNewTokens, d.model.nCtx, "max_new_tokens", total);
    const opts = { maxNewTokens, temperature, topK, seed };
    // the request's signal stops the generation between tokens when the client goes away
    const job = (signal?: AbortSignal) => steerGenerate(d.model, d.sae, prompt, features, { ...opts, signal });
    const r = await d.queue.run(job, c.req.raw.signal);
    const { steered, unsteered } = r;
    return c.json({ prompt, features: r.features, steered, unsteered, max_new_tokens: maxNewTokens, temperature, seed });
  };
}

function withStrings(vocab: readonly string[]) {
  const ex = (e: ActivationExample) => ({ ...e, str_tokens: e.tokens.map((t) => vocab[t] ?? `<${t}>`) });
  return {
    examples: (es: ActivationExample[]) => es.map(ex),
    buckets: (bs: QuantileBucket[]) => bs.map((b) => ({ ...b, examples: b.examples.map(ex) })),
  };
}

export function featureRoute(d: RouteDeps) {
  let W_U: Promise<HostTensor> | null = null;
  const npId = d.sae.cfg.neuronpedia_id ?? null;
  return async (c: Context) => {
    const index = pathFeatureIndex(c.req.param("index") ?? "", "index", d.sae.cfg.d_sae);
    const base = {
      index,
      d_sae: d.sae.cfg.d_sae,
      hook_name: d.sae.cfg.hook_name,
      neuronpedia: npId ? neuronpediaUrl(npId, index) : null,
    };
    if (d.features) {
      const r = await d.features.get(index);
      const s = withStrings(d.features.vocab);
      return c.json({ ...base, stored: true, ...r, top: s.examples(r.top), buckets: s.buckets(r.buckets), neuronpedia: base.neuronpedia ?? r.neuronpedia });
    }
    const logits = await d.queue.run(async () => {
      W_U ??= d.model.unembedding();
      const [eff] = featureLogitEffects(await hostDecoder(d.sae), await W_U, [index], 10, (ids) => d.model.idsToStrings(ids));
      return { promoted: eff.promoted, suppressed: eff.suppressed };
    }, c.req.raw.signal);
    return c.json({ ...base, stored: false, density: null, nActive: null, maxAct: null, meanAct: null, top: [], buckets: [], histogram: null, logits });
  };
}
