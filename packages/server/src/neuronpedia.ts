// POST /api/steer: Neuronpedia's steering request (the body its site and Python examples send: prompt, modelId,
// features [{ modelId, layer, index, strength }], temperature, n_tokens, freq_penalty, seed, strength_multiplier),
// answered like Neuronpedia with STEERED and DEFAULT texts. A client pointed at this server instead of
// https://www.neuronpedia.org steers the loaded SAE. Same engine as /v1/steer (steerGenerate, in the GPU queue).
// modelId may be the model's name or the model part of the SAE's neuronpedia_id ("gpt2-small/8-res-jb");
// layer the source part ("8-res-jb") or the SAE's hook name. Steering methods other than SIMPLE_ADDITIVE are refused.
import { steerGenerate, type SteerFeature } from "@sae/core";
import type { Context } from "hono";
import { HttpError } from "./http_error.ts";
import type { RouteDeps } from "./routes.ts";
import { fitsContext, parseBody } from "./validate.ts";

/** What this server answers to: model ids and layer (source) ids. */
export function neuronpediaNames(d: Pick<RouteDeps, "model" | "sae">): { models: string[]; layers: string[] } {
  const np = d.sae.cfg.neuronpedia_id ?? null;
  const slash = np ? np.indexOf("/") : -1;
  const models = [d.model.name, ...(slash > 0 ? [np!.slice(0, slash)] : [])];
  const layers = [...(slash > 0 ? [np!.slice(slash + 1)] : []), d.sae.cfg.hook_name];
  return { models, layers };
}

export function neuronpediaSteerRoute(d: RouteDeps) {
  const names = neuronpediaNames(d);
  const oneOf = (v: string, allowed: string[], field: string): void => {
    if (allowed.includes(v)) return;
    throw new HttpError(400, `${JSON.stringify(v)} is not served here (serving: ${allowed.join(", ")})`, field);
  };
  return async (c: Context) => {
    const b = parseBody(await c.req.text(), d.schemas.neuronpedia);
    oneOf(b.modelId, names.models, "modelId");
    const features = b.features.map((f, j): SteerFeature => {
      oneOf(f.modelId, names.models, `features[${j}].modelId`);
      oneOf(f.layer, names.layers, `features[${j}].layer`);
      const strength = f.strength * b.strength_multiplier;
      if (Math.abs(strength) > d.limits.maxStrength) {
        const why = `strength x strength_multiplier = ${strength}, the limit is ${d.limits.maxStrength} in magnitude`;
        throw new HttpError(400, why, `features[${j}].strength`);
      }
      return { index: f.index, strength };
    });
    const promptTokens = d.model.toIds(b.prompt).length;
    fitsContext(promptTokens, d.model.nCtx, "prompt", "is");
    const total = `prompt (${promptTokens}) + n_tokens (${b.n_tokens}) =`;
    fitsContext(promptTokens + b.n_tokens, d.model.nCtx, "n_tokens", total);
    const opts = { maxNewTokens: b.n_tokens, temperature: b.temperature, seed: b.seed, freqPenalty: b.freq_penalty };
    const job = (signal?: AbortSignal) => steerGenerate(d.model, d.sae, b.prompt, features, { ...opts, signal });
    const r = await d.queue.run(job, c.req.raw.signal);
    return c.json({ STEERED: b.prompt + r.steered, DEFAULT: b.prompt + r.unsteered, features: r.features });
  };
}
