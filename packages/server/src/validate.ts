// Request validation for the JSON routes: a body is parsed as JSON and checked against its zod schema (schemas.ts);
// the first problem becomes an HttpError 400 naming the field ("prompt", "features[1].strength", "body" for the body
// as a whole). Also the checks no schema can state alone: a URL feature index and the model's context length.
import type { z } from "@hono/zod-openapi";
import { HttpError } from "./http_error.ts";

function bad(field: string, message: string): never {
  throw new HttpError(400, message, field);
}

/** ["features", 1, "strength"] -> "features[1].strength"; [] -> "body". */
export function fieldOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "body";
}

/** The body parsed as JSON and checked against `schema` (defaults filled in); else a 400 naming the field. */
export function parseBody<S extends z.ZodType>(raw: string, schema: S): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    bad("body", "is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) bad("body", "must be a JSON object");
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  return bad(fieldOf([...issue.path, ...keys.slice(0, 1)]), issue.message);
}

/** A feature index from a URL path segment: decimal digits only, below d_sae. */
export function pathFeatureIndex(segment: string, field: string, d_sae: number): number {
  if (!/^\d{1,15}$/.test(segment)) bad(field, `must be an integer feature index, got ${JSON.stringify(segment)}`);
  const v = Number(segment);
  if (v >= d_sae) bad(field, `${v} is out of range [0, ${d_sae})`);
  return v;
}

/** Refuses a request whose tokens (prompt plus generated) would not fit the model's context. */
export function fitsContext(tokens: number, nCtx: number | undefined, field: string, what: string): void {
  if (nCtx !== undefined && tokens > nCtx) {
    bad(field, `${what} ${tokens} tokens, more than the context (n_ctx ${nCtx})`);
  }
}
