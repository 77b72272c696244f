// The request and response schemas of every JSON route, in zod (via @hono/zod-openapi, which also writes them into
// /openapi.json). Request schemas depend on the loaded pair and the limits (feature indices below d_sae, top_k up to
// the vocabulary), so `requestSchemas` builds them per app. Error texts name what was wrong and what was got; the
// field comes from the issue's path (body.ts). Not here: the handlers (routes.ts, neuronpedia.ts).
import { z } from "@hono/zod-openapi";
import type { ServerLimits } from "./limits.ts";
import { REQUEST_DEFAULTS } from "./limits.ts";

/** A value for a message: JSON, except the numbers JSON cannot spell (1e999 parses to Infinity). */
const show = (v: unknown): string => (typeof v === "number" ? String(v) : JSON.stringify(v));

interface Issue {
  code: string;
  input?: unknown;
}

/** A number in [lo, hi] (`hiOpen`: [lo, hi)); `int` for integers. One message function for every failed check. */
export function num(lo: number, hi: number, o: { int?: boolean; what?: string; hiOpen?: boolean } = {}) {
  const what = o.what ?? (o.int ? "an integer" : "a finite number");
  const error = (iss: Issue): string => {
    if (iss.input === undefined) return "is required";
    if (iss.code === "invalid_type") return `must be ${what}, got ${show(iss.input)}`;
    return `${show(iss.input)} is out of range [${lo}, ${hi}${o.hiOpen ? ")" : "]"}`;
  };
  const base = z.number({ error });
  return (o.int ? base.int({ error }) : base).min(lo, { error }).max(o.hiOpen ? hi - 1 : hi, { error });
}

/** A non-blank string of at most `maxChars` characters. */
export function text(maxChars: number) {
  const error = (iss: Issue & { maximum?: unknown }): string => {
    if (iss.input === undefined) return "is required";
    if (iss.code === "invalid_type") return `must be a string, got ${typeof iss.input}`;
    if (iss.code === "too_big") return `is ${String(iss.input).length} characters, the limit is ${maxChars}`;
    return "must not be empty";
  };
  return z
    .string({ error })
    .max(maxChars, { error })
    .refine((s) => s.trim().length > 0, { error });
}

/** A JSON object with exactly these keys (an unknown one is an error naming it and the allowed ones). */
export function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? `unknown field (allowed: ${allowed})` : `must be ${what}`),
  });
}

/** An array of 1..max entries. */
export function list<T extends z.ZodType>(item: T, max: number, what: string) {
  const error = (iss: Issue): string => {
    if (iss.input === undefined) return "is required";
    if (iss.code === "invalid_type") return `must be an array of ${what}`;
    if (iss.code === "too_small") return "must name at least one feature";
    return `has ${(iss.input as unknown[]).length} entries, the limit is ${max}`;
  };
  return z.array(item, { error }).min(1, { error }).max(max, { error });
}

export const FREQ_PENALTY_RANGE = [-2, 2] as const;

export function requestSchemas(limits: ServerLimits, d_sae: number, vocabSize: number) {
  const strength = num(-limits.maxStrength, limits.maxStrength).openapi({ description: "multiple of W_dec[index]" });
  const index = num(0, d_sae, { int: true, hiOpen: true, what: "an integer feature index" });
  const steerFeature = strict({ index, strength }, "an object {index, strength}");
  return {
    encode: strict(
      {
        text: text(limits.maxPromptChars).openapi({ example: "the cat sat on the mat" }),
        top: num(1, limits.maxTop, { int: true }).default(REQUEST_DEFAULTS.top),
      },
      "a JSON object",
    ).openapi("EncodeRequest"),
    steer: strict(
      {
        prompt: text(limits.maxPromptChars).openapi({ example: "the cat" }),
        features: list(steerFeature, limits.maxFeatures, "{index, strength}"),
        max_new_tokens: num(1, limits.maxNewTokens, { int: true }).default(REQUEST_DEFAULTS.max_new_tokens),
        temperature: num(0, limits.maxTemperature).default(REQUEST_DEFAULTS.temperature),
        seed: num(0, 2 ** 32 - 1, { int: true }).default(REQUEST_DEFAULTS.seed),
        top_k: num(1, vocabSize, { int: true }).optional(),
      },
      "a JSON object",
    ).openapi("SteerRequest"),
    neuronpedia: strict(
      {
        prompt: text(limits.maxPromptChars).openapi({ example: "The most iconic structure on Earth is" }),
        modelId: z.string().openapi({ description: "the model's name or the model part of the SAE's neuronpedia_id" }),
        features: list(
          strict(
            {
              modelId: z.string(),
              layer: z.string().openapi({ description: "Neuronpedia source id (e.g. 8-res-jb) or the hook name" }),
              index,
              strength: num(-limits.maxStrength, limits.maxStrength),
            },
            "an object {modelId, layer, index, strength}",
          ),
          limits.maxFeatures,
          "{modelId, layer, index, strength}",
        ),
        temperature: num(0, limits.maxTemperature).default(REQUEST_DEFAULTS.temperature),
        n_tokens: num(1, limits.maxNewTokens, { int: true }).default(REQUEST_DEFAULTS.max_new_tokens),
        freq_penalty: num(...FREQ_PENALTY_RANGE).default(0),
        seed: num(0, 2 ** 32 - 1, { int: true }).default(REQUEST_DEFAULTS.seed),
        strength_multiplier: num(-limits.maxStrength, limits.maxStrength).default(1),
        steer_method: z.enum(["SIMPLE_ADDITIVE"]).optional(),
      },
      "a JSON object",
    ).openapi("NeuronpediaSteerRequest"),
  };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;

const TokenFeature = z.object({ index: z.number().int(), value: z.number() });
const SteerFeatureOut = z.object({ index: z.number().int(), strength: z.number() });

export const ErrorResponse = z
  .object({ error: z.object({ status: z.number().int(), message: z.string(), field: z.string().optional() }) })
  .openapi("Error");

export const EncodeResponse = z
  .object({
    tokens: z.array(z.string()),
    ids: z.array(z.number().int()),
    features: z.array(z.array(TokenFeature)).openapi({ description: "[pos][top] strongest features per token" }),
  })
  .openapi("EncodeResponse");

export const SteerResponse = z
  .object({
    prompt: z.string(),
    features: z.array(SteerFeatureOut),
    steered: z.string().openapi({ description: "completion with the features added at the SAE's hook" }),
    unsteered: z.string().openapi({ description: "completion with the same seed and no steering" }),
    max_new_tokens: z.number().int(),
    temperature: z.number(),
    seed: z.number().int(),
  })
  .openapi("SteerResponse");

export const NeuronpediaSteerResponse = z
  .object({
    STEERED: z.string().openapi({ description: "the prompt followed by the steered completion" }),
    DEFAULT: z.string().openapi({ description: "the prompt followed by the completion without steering" }),
    features: z.array(SteerFeatureOut).openapi({ description: "what was added: index, strength x multiplier" }),
  })
  .openapi("NeuronpediaSteerResponse");

const Example = z.record(z.string(), z.unknown());
export const FeatureResponse = z
  .object({
    index: z.number().int(),
    d_sae: z.number().int(),
    hook_name: z.string(),
    neuronpedia: z.string().nullable(),
    stored: z.boolean().openapi({ description: "whether `sae analyze` data backs the examples" }),
    density: z.number().nullable(),
    top: z.array(Example),
    buckets: z.array(Example),
    logits: z.object({ promoted: z.array(Example), suppressed: z.array(Example) }).passthrough(),
  })
  .passthrough()
  .openapi("FeatureResponse");

export const HealthResponse = z
  .object({
    status: z.literal("ok"),
    model: z.string(),
    sae: z.object({
      hook_name: z.string(),
      d_in: z.number(),
      d_sae: z.number(),
      neuronpedia_id: z.string().nullable(),
    }),
    feature_data: z.object({ n_tokens: z.number(), created: z.string() }).nullable(),
    auth: z.boolean(),
    limits: z.record(z.string(), z.number()),
    queue: z.record(z.string(), z.union([z.number(), z.boolean()])),
  })
  .openapi("Health");
