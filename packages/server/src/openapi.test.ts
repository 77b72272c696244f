// GET /openapi.json and /docs through app.request(): every route is described with the limits of this app (d_sae,
// max_new_tokens, defaults), and each route's real 200 answer has exactly the keys its declared response schema
// lists, with the declared types (the document and the handlers cannot drift apart unnoticed).
import { describe, expect, test } from "bun:test";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { createApp } from "./app.ts";
import { EncodeResponse, FeatureResponse, HealthResponse, NeuronpediaSteerResponse, SteerResponse } from "./schemas.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 71 });
const sae = new FakeSae(device, { seed: 72, d_sae: 20, neuronpedia_id: "gpt2-small/8-res-jb" });
const app = createApp({ model, sae, limits: { maxNewTokens: 40 } });
const doc = (await (await app.request("/openapi.json")).json()) as any;
const schema = (name: string) => doc.components.schemas[name];
const post = (path: string, body: unknown) =>
  app.request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("/openapi.json", () => {
  test("every route, its body schema with this app's limits, its 200 and error responses", () => {
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.entries(doc.paths).flatMap(([p, o]) => Object.keys(o as object).map((m) => `${m} ${p}`));
    expect(ops.sort()).toEqual(["get /health", "get /v1/features/{index}", "post /api/steer", "post /v1/encode", "post /v1/steer"]);
    const steer = doc.paths["/v1/steer"].post;
    expect(steer.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/SteerRequest");
    expect(steer.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/SteerResponse");
    expect(steer.responses["400"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    const req = schema("SteerRequest");
    expect(req.additionalProperties).toBe(false);
    expect(req.required).toEqual(["prompt", "features"]);
    expect(req.properties.max_new_tokens).toMatchObject({ type: "integer", minimum: 1, maximum: 40, default: 24 });
    expect(req.properties.features.items.properties.index).toMatchObject({ minimum: 0, maximum: 19 });
    const np = schema("NeuronpediaSteerRequest");
    expect(Object.keys(np.properties).sort()).toEqual(
      ["features", "freq_penalty", "modelId", "n_tokens", "prompt", "seed", "steer_method", "strength_multiplier", "temperature"],
    );
    expect(np.properties.features.items.required).toEqual(["modelId", "layer", "index", "strength"]);
    expect(Object.keys(schema("NeuronpediaSteerResponse").properties)).toEqual(["STEERED", "DEFAULT", "features"]);
  });

  test("each route's real answer has exactly the declared keys and types", async () => {
    const f = { modelId: "gpt2-small", layer: "8-res-jb", index: 1, strength: 2 };
    const npBody = { prompt: "a", modelId: "gpt2-small", features: [f], n_tokens: 2 };
    const steerBody = { prompt: "the", features: [{ index: 2, strength: 3 }], max_new_tokens: 3 };
    const answers: [unknown, { shape: object; parse(v: unknown): unknown }][] = [
      [await (await app.request("/health")).json(), HealthResponse],
      [await (await post("/v1/encode", { text: "the cat" })).json(), EncodeResponse],
      [await (await post("/v1/steer", steerBody)).json(), SteerResponse],
      [await (await post("/api/steer", npBody)).json(), NeuronpediaSteerResponse],
    ];
    for (const [body, s] of answers) {
      s.parse(body);
      expect(Object.keys(body as object).sort()).toEqual(Object.keys(s.shape).sort());
    }
    const feature = await (await app.request("/v1/features/3")).json();
    FeatureResponse.parse(feature);
  });

  test("/docs renders the document (self-contained page, no CDN)", async () => {
    const res = await app.request("/docs");
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('fetch("/openapi.json")');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
