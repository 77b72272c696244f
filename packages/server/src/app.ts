// createApp: the Hono app of `sae serve`. JSON API under /v1 (encode, steer, features), Neuronpedia's POST /api/steer,
// GET /health, the dashboard + steering page at GET /, and the API's OpenAPI document (/openapi.json, /docs).
// Middleware order: CORS (so preflights pass), body limit (413), bearer auth on /v1 and /api (401) or, without a
// token, the Host/Origin guard (403); errors become JSON via toHttp.
// No network in tests: drive it with app.request().
import { timingSafeEqual } from "node:crypto";
import type { AnalysisModel, AnalysisSae, FeatureSource } from "@sae/core";
import { LimitError } from "@sae/tensor-core";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HttpError, toHttp } from "./http_error.ts";
import { SERVER_LIMITS, type ServerLimits } from "./limits.ts";
import { siteGuard } from "./site_guard.ts";
import { PAGE_HTML } from "./page.ts";
import { GpuQueue } from "./queue.ts";
import { neuronpediaSteerRoute } from "./neuronpedia.ts";
import { registerOpenApi } from "./openapi.ts";
import { encodeRoute, featureRoute, steerRoute, type RouteDeps } from "./routes.ts";
import { requestSchemas } from "./schemas.ts";

export interface AppOptions {
  model: AnalysisModel;
  sae: AnalysisSae;
  /** Stored analysis (`sae analyze`); without it /v1/features returns logit effects only. */
  features?: FeatureSource;
  limits?: Partial<ServerLimits>;
  /** When set, /v1 routes need `Authorization: Bearer <token>`; when not, site_guard.ts refuses other sites. */
  token?: string;
  /** The interface the server listens on (for the Host check of a token-less server; default 127.0.0.1). */
  host?: string;
  /** Allowed CORS origin(s) ("*" for any); no CORS headers when unset. */
  cors?: string | string[];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The API prefixes: body limit, bearer auth and the Origin checks apply to these (not to /, /health, /docs). */
export const API = ["/v1/*", "/api/*"] as const;

export function createApp(opts: AppOptions): OpenAPIHono {
  const unknown = Object.keys(opts.limits ?? {}).filter((k) => !(k in SERVER_LIMITS));
  if (unknown.length) throw new LimitError(`createApp: unknown server limit(s) ${unknown.join(", ")} (known: ${Object.keys(SERVER_LIMITS).join(", ")})`);
  if (opts.token !== undefined && opts.token.trim() === "") {
    throw new LimitError("createApp: token is empty (no request could pass it); omit it to serve without auth");
  }
  const limits: ServerLimits = { ...SERVER_LIMITS, ...opts.limits };
  const queue = new GpuQueue(limits.maxQueue);
  const schemas = requestSchemas(limits, opts.sae.cfg.d_sae, opts.model.vocabSize);
  const deps: RouteDeps = { model: opts.model, sae: opts.sae, features: opts.features, limits, queue, schemas };
  const app = new OpenAPIHono();

  app.onError((err, c) => {
    const { status, body } = toHttp(err);
    if (status === 429) c.header("Retry-After", "1");
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="sae"');
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { status: 404, message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  if (opts.cors) app.use("*", cors({ origin: opts.cors, allowMethods: ["GET", "POST", "OPTIONS"], allowHeaders: ["Content-Type", "Authorization"] }));
  const limitBody = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: () => {
      throw new HttpError(413, `request body is larger than ${limits.maxBodyBytes} bytes`, "body");
    },
  });
  for (const api of API) app.use(api, limitBody);
  const origins = typeof opts.cors === "string" ? [opts.cors] : opts.cors;
  if (opts.token === undefined) app.use("*", siteGuard({ host: opts.host, cors: origins }));
  else {
    const token = opts.token;
    const auth: MiddlewareHandler = async (c, next) => {
      const h = c.req.header("Authorization") ?? "";
      const m = /^bearer +(\S.*)$/i.exec(h.trim());
      if (!m) throw new HttpError(401, "missing bearer token (send Authorization: Bearer <token>)", "Authorization");
      if (!sameSecret(m[1], token)) throw new HttpError(401, "wrong bearer token", "Authorization");
      await next();
    };
    for (const api of API) app.use(api, auth);
  }

  app.get("/", (c) => c.html(PAGE_HTML));
  app.get("/health", (c) =>
    c.json({
      status: "ok",
      model: opts.model.name,
      sae: { hook_name: opts.sae.cfg.hook_name, d_in: opts.sae.cfg.d_in, d_sae: opts.sae.cfg.d_sae, neuronpedia_id: opts.sae.cfg.neuronpedia_id ?? null },
      feature_data: opts.features ? { n_tokens: opts.features.meta.n_tokens, created: opts.features.meta.created } : null,
      auth: opts.token !== undefined,
      limits,
      queue: queue.stats(),
    }),
  );
  app.post("/v1/encode", encodeRoute(deps));
  app.post("/v1/steer", steerRoute(deps));
  app.get("/v1/features/:index", featureRoute(deps));
  app.post("/api/steer", neuronpediaSteerRoute(deps));
  registerOpenApi(app, schemas, opts.token !== undefined);
  return app;
}
