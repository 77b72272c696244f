// Request-body validation for the /v1 routes: each check throws an HttpError 400 naming the field
// ("prompt", "features[1].strength", "max_new_tokens", ...). Unknown keys are rejected too.
import type { SteerFeature } from "@sae/core";
import { HttpError } from "./http_error.ts";
import type { ServerLimits } from "./limits.ts";

type Json = Record<string, unknown>;

function bad(field: string, message: string): never {
  throw new HttpError(400, message, field);
}

/** The body as a JSON object with only the allowed keys. */
export function objectBody(raw: string, allowed: readonly string[]): Json {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    bad("body", "is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) bad("body", "must be a JSON object");
  for (const k of Object.keys(body)) if (!allowed.includes(k)) bad(k, `unknown field (allowed: ${allowed.join(", ")})`);
  return body as Json;
}

export function text(v: unknown, field: string, maxChars: number): string {
  if (typeof v !== "string") bad(field, v === undefined ? "is required" : `must be a string, got ${typeof v}`);
  if (v.trim().length === 0) bad(field, "must not be empty");
  if (v.length > maxChars) bad(field, `is ${v.length} characters, the limit is ${maxChars}`);
  return v;
}

/** A value for a message: JSON, except the numbers JSON cannot spell (1e999 parses to Infinity). */
const show = (v: unknown): string => (typeof v === "number" ? String(v) : JSON.stringify(v));

export function integer(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) bad(field, `must be an integer, got ${show(v)}`);
  if (v < lo || v > hi) bad(field, `${v} is out of range [${lo}, ${hi}]`);
  return v;
}

export function number(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) bad(field, `must be a finite number, got ${show(v)}`);
  if (v < lo || v > hi) bad(field, `${v} is out of range [${lo}, ${hi}]`);
  return v;
}

/** A feature index in a body: a JSON integer in [0, d_sae) (a string such as "3" is refused). */
export function featureIndex(v: unknown, field: string, d_sae: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) bad(field, `must be an integer feature index, got ${show(v)}`);
  if (v < 0 || v >= d_sae) bad(field, `${v} is out of range [0, ${d_sae})`);
  return v;
}

/** A feature index from a URL path segment: decimal digits only. */
export function pathFeatureIndex(segment: string, field: string, d_sae: number): number {
  if (!/^\d{1,15}$/.test(segment)) bad(field, `must be an integer feature index, got ${JSON.stringify(segment)}`);
  return featureIndex(Number(segment), field, d_sae);
}

/** Refuses a request whose tokens (prompt plus generated) would not fit the model's context. */
export function fitsContext(tokens: number, nCtx: number | undefined, field: string, what: string): void {
  if (nCtx !== undefined && tokens > nCtx) bad(field, `${what} ${tokens} tokens, more than the context (n_ctx ${nCtx})`);
}

export function steerFeatures(body: Json, d_sae: number, limits: ServerLimits): SteerFeature[] {
  const v = body.features;
  if (!Array.isArray(v)) bad("features", v === undefined ? "is required" : "must be an array of {index, strength}");
  if (v.length === 0) bad("features", "must name at least one feature");
  if (v.length > limits.maxFeatures) bad("features", `has ${v.length} entries, the limit is ${limits.maxFeatures}`);
  return v.map((f: unknown, j): SteerFeature => {
    const at = `features[${j}]`;
    if (typeof f !== "object" || f === null || Array.isArray(f)) bad(at, "must be an object {index, strength}");
    const o = f as Json;
    for (const k of Object.keys(o)) if (k !== "index" && k !== "strength") bad(`${at}.${k}`, "unknown field (allowed: index, strength)");
    const index = featureIndex(o.index, `${at}.index`, d_sae);
    if (o.strength === undefined) bad(`${at}.strength`, "is required");
    const strength = number(o.strength, `${at}.strength`, -limits.maxStrength, limits.maxStrength);
    return { index, strength };
  });
}
