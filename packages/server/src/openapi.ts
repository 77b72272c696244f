// The API's description: every route registered with its request and response schemas (schemas.ts) in the app's
// OpenAPI registry, served as an OpenAPI 3.1 document at GET /openapi.json, and GET /docs, a self-contained page that
// renders that document (no CDN: it works offline and under the Host guard). Validation itself happens in the
// handlers (validate.ts) with the same schemas, so the document and the checks cannot drift apart.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { RequestSchemas } from "./schemas.ts";
import {
  EncodeResponse,
  ErrorResponse,
  FeatureResponse,
  HealthResponse,
  NeuronpediaSteerResponse,
  SteerResponse,
} from "./schemas.ts";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  400: json(ErrorResponse, "bad request: error.field names the field"),
  401: json(ErrorResponse, "missing or wrong bearer token (when the server has --token)"),
  403: json(ErrorResponse, "refused by the Host/Origin guard (token-less server)"),
  413: json(ErrorResponse, "body too large"),
  429: json(ErrorResponse, "GPU queue full; retry later"),
  500: json(ErrorResponse, "internal error"),
};
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export function registerOpenApi(app: OpenAPIHono, schemas: RequestSchemas, secured: boolean): void {
  const security = secured ? [{ bearer: [] }] : [];
  if (secured) app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const routes = [
    createRoute({
      method: "get",
      path: "/health",
      summary: "the loaded model and SAE, limits and queue",
      responses: { 200: json(HealthResponse, "server state") },
    }),
    createRoute({
      method: "post",
      path: "/v1/encode",
      summary: "strongest SAE features per token of a text",
      security,
      request: body(schemas.encode),
      responses: { 200: json(EncodeResponse, "tokens and their top features"), ...errors },
    }),
    createRoute({
      method: "post",
      path: "/v1/steer",
      summary: "a completion with chosen features added at the SAE's hook, and one without (same seed)",
      security,
      request: body(schemas.steer),
      responses: { 200: json(SteerResponse, "steered and unsteered completions"), ...errors },
    }),
    createRoute({
      method: "post",
      path: "/api/steer",
      summary: "Neuronpedia-compatible steering (the body of neuronpedia.org/api/steer)",
      security,
      request: body(schemas.neuronpedia),
      responses: { 200: json(NeuronpediaSteerResponse, "STEERED and DEFAULT texts"), ...errors },
    }),
    createRoute({
      method: "get",
      path: "/v1/features/{index}",
      summary: "one feature: stored examples (sae analyze) or logit effects computed now",
      security,
      request: { params: z.object({ index: z.string().regex(/^\d+$/).openapi({ param: { in: "path" } }) }) },
      responses: { 200: json(FeatureResponse, "the feature's page data"), ...errors },
    }),
  ];
  for (const r of routes) app.openAPIRegistry.registerPath(r);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "sae server", version: "1", description: "SAE encoding, steering and feature pages (`sae serve`)" },
  });
  app.get("/docs", (c) => c.html(DOCS_HTML));
}

/** Renders /openapi.json: one section per route with its schemas as JSON. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sae server API</title>
<style>body{font:14px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}
h2{font-size:16px;margin-top:2em}code,pre{background:#f4f4f4;padding:2px 4px}pre{padding:8px;overflow:auto}
.m{font-weight:bold;text-transform:uppercase;margin-right:.5em}</style></head>
<body><h1>sae server API</h1><p>From <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<main id="api">loading</main>
<script>
const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });
fetch("/openapi.json").then((r) => r.json()).then((doc) => {
  const main = document.getElementById("api");
  main.textContent = "";
  const ref = (s) => (s && s.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const h = el("h2", "");
    h.append(el("span", method), path);
    h.firstChild.className = "m";
    main.append(h, el("p", op.summary || ""));
    const req = op.requestBody && op.requestBody.content["application/json"].schema;
    if (req) main.append(el("h3", "request body"), el("pre", JSON.stringify(ref(req), null, 2)));
    for (const [code, res] of Object.entries(op.responses)) {
      const s = res.content && res.content["application/json"].schema;
      main.append(el("h3", code + " " + res.description), el("pre", JSON.stringify(ref(s), null, 2)));
    }
  }
});
</script></body></html>
`;
