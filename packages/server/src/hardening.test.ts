// Issue 15 defects #19-#21 and the body checks of #23, through app.request() (no network): a token-less server
// refuses other sites and rebinding Host names, tokens are checked case-insensitively and cannot be empty, queued
// work of a client that went away is dropped, and bad bodies are 400s naming the field (never a kernel).
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectFeatureData, sequencesFromText } from "@sae/core";
import { openFeatureData, writeFeatureData } from "@sae/core/node";
import { FakeModel, FakeSae } from "@sae/core/testing";
import type { SampleOptions } from "@sae/core";
import { getDevice, LimitError } from "@sae/tensor-core";
import { createApp } from "./app.ts";
import { listen } from "./listen.ts";
import { allowedHost } from "./site_guard.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 31 });
const sae = new FakeSae(device, { seed: 32, d_sae: 24 });
const app = createApp({ model, sae });
const BODY = { text: "the cat" };

type HeaderMap = Record<string, string>;
const post = (a: { request: typeof app.request }, path: string, body: unknown, headers: HeaderMap = {}, signal?: AbortSignal) =>
  a.request(path, {
    method: "POST",
    headers: { "Content-Type": "text/plain", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });

async function error(res: Response): Promise<{ status: number; message: string; field?: string }> {
  const body = (await res.json()) as { error: { status: number; message: string; field?: string } };
  expect(body.error.status).toBe(res.status);
  return body.error;
}

describe("token-less server: cross-site requests and DNS rebinding (#20)", () => {
  test("a cross-site simple POST is 403 naming Origin; same-origin, loopback pages and scripts pass", async () => {
    const evil = await post(app, "/v1/encode", BODY, { Origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect((await error(evil)).field).toBe("Origin");
    const fetchSite = await post(app, "/v1/encode", BODY, { "Sec-Fetch-Site": "cross-site" });
    expect(fetchSite.status).toBe(403);
    expect((await error(fetchSite)).field).toBe("Sec-Fetch-Site");
    expect((await post(app, "/v1/encode", BODY, { Origin: "null" })).status).toBe(403);
    expect((await app.request("/v1/features/3", { headers: { Origin: "http://evil.example" } })).status).toBe(403);
    const passing: HeaderMap[] = [
      {},
      { Origin: "http://localhost:8080", "Sec-Fetch-Site": "same-origin" },
      { Origin: "http://127.0.0.1:3000" },
      { "Sec-Fetch-Site": "none" },
    ];
    for (const headers of passing) {
      expect((await post(app, "/v1/encode", BODY, headers)).status).toBe(200);
    }
    // an origin allowed with --cors passes
    const listed = createApp({ model, sae, cors: ["https://ui.example"] });
    const ui = { Origin: "https://ui.example", "Sec-Fetch-Site": "cross-site" };
    expect((await post(listed, "/v1/encode", BODY, ui)).status).toBe(200);
    expect((await post(listed, "/v1/encode", BODY, { Origin: "https://other.example" })).status).toBe(403);
  });

  test("an unexpected Host is 403 on every route; loopback names and the bound host pass", async () => {
    for (const path of ["/health", "/", "/v1/features/1"]) {
      const res = await app.request(path, { headers: { Host: "evil.example:18081" } });
      expect(res.status).toBe(403);
      expect((await error(res)).field).toBe("Host");
    }
    for (const host of ["localhost:18081", "127.0.0.1:18081", "[::1]:18081", "LOCALHOST"]) {
      expect((await app.request("/health", { headers: { Host: host } })).status).toBe(200);
    }
    const named = createApp({ model, sae, host: "box.lan" });
    expect((await named.request("/health", { headers: { Host: "box.lan:8080" } })).status).toBe(200);
    expect((await named.request("/health", { headers: { Host: "10.0.0.7:8080" } })).status).toBe(403);
    expect(allowedHost("10.0.0.7:8080", "0.0.0.0")).toBe(true);
    expect(allowedHost("[fe80::1]:8080", "::")).toBe(true);
    expect(allowedHost("evil.example:8080", "0.0.0.0")).toBe(false);
    expect(allowedHost("127.0.0.1.evil.example", "127.0.0.1")).toBe(false);
    // with a token, the token is the guard: any Host and Origin with the right token pass
    const authed = createApp({ model, sae, token: "t0k" });
    const anywhere = { Host: "evil.example", Origin: "https://evil.example", Authorization: "Bearer t0k" };
    expect((await post(authed, "/v1/encode", BODY, anywhere)).status).toBe(200);
  });
});

describe("bearer token (#21)", () => {
  test("an empty token is refused; the scheme is case-insensitive", async () => {
    expect(() => createApp({ model, sae, token: "" })).toThrow(LimitError);
    expect(() => createApp({ model, sae, token: "  " })).toThrow(/token is empty/);
    const a = createApp({ model, sae, token: "s3cret" });
    for (const h of ["bearer s3cret", "BEARER s3cret", "Bearer  s3cret"]) {
      expect((await post(a, "/v1/encode", BODY, { Authorization: h })).status).toBe(200);
    }
    expect((await post(a, "/v1/encode", BODY, { Authorization: "bearer S3CRET" })).status).toBe(401);
    expect((await post(a, "/v1/encode", BODY, { Authorization: "Bearer " })).status).toBe(401);
  });
});

describe("body checks (#23)", () => {
  const ok = { prompt: "the", features: [{ index: 1, strength: 2 }] };
  test("strength 1e999 and index \"3\" are 400s naming the field", async () => {
    const inf = await post(app, "/v1/steer", `{"prompt":"the","features":[{"index":1,"strength":1e999}]}`);
    expect(inf.status).toBe(400);
    const e = await error(inf);
    expect(e.field).toBe("features[0].strength");
    expect(e.message).toContain("finite number, got Infinity");
    expect(e.message).not.toContain("null");
    const str = await post(app, "/v1/steer", { ...ok, features: [{ index: "3", strength: 1 }] });
    expect(str.status).toBe(400);
    expect((await error(str)).field).toBe("features[0].index");
    expect((await app.request("/v1/features/3")).status).toBe(200);
    expect((await app.request("/v1/features/1e1")).status).toBe(400);
  });

  test("context overflow is a 400 naming the field and n_ctx, not a kernel", async () => {
    const long = "the cat ".repeat(31); // 62 tokens + BOS; the fake model's n_ctx is 64
    const over = await post(app, "/v1/steer", { ...ok, prompt: long, max_new_tokens: 8 });
    expect(over.status).toBe(400);
    const e = await error(over);
    expect(e.field).toBe("max_new_tokens");
    expect(e.message).toContain("64");
    expect(e.message).not.toMatch(/embedWithPositions|kernel/);
    const enc = await post(app, "/v1/encode", { text: "the cat ".repeat(40) });
    expect(enc.status).toBe(400);
    expect((await error(enc)).field).toBe("text");
    expect((await post(app, "/v1/steer", { ...ok, prompt: long, max_new_tokens: 1 })).status).toBe(200);
  });
});

describe("stored feature data from two runs (#13)", () => {
  test("a record that does not match its index is a 500 naming the record, with none of the file's content", async () => {
    const [a, b, mixed] = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), "sae-srv-fd-")));
    try {
      const seqs = sequencesFromText(model, "the cat sat on the mat and the dog ran to a big red house . ".repeat(5), 10);
      await writeFeatureData(a, await collectFeatureData(model, sae, seqs, { topN: 1, topLogits: 0 }));
      await writeFeatureData(b, await collectFeatureData(model, sae, seqs, { topN: 4, topLogits: 3 }));
      const index = JSON.parse(readFileSync(join(a, "feature-data.json"), "utf8"));
      delete index.records.bytes; // as written before the size check: the mismatch shows per record
      writeFileSync(join(mixed, "feature-data.json"), JSON.stringify(index));
      copyFileSync(join(b, "features.jsonl"), join(mixed, "features.jsonl"));
      const served = createApp({ model, sae, features: await openFeatureData(mixed) });
      const res = await served.request("/v1/features/5");
      expect(res.status).toBe(500);
      const e = await error(res);
      expect(e.message).toStartWith("features.jsonl: record 5");
      expect(e.message).not.toMatch(/internal error|JSON Parse|"top"|tokens|promoted/);
    } finally {
      for (const d of [a, b, mixed]) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("disconnected clients (#19)", () => {
  test("queued work whose client has gone is dropped: it never runs and leaves the queue at once", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const slow = Object.create(model) as FakeModel;
    slow.generate = async (prompt: string, o: SampleOptions) => {
      seen.push(prompt);
      if (seen.length === 1) await gate;
      return model.generate(prompt, o);
    };
    const a = createApp({ model: slow, sae, limits: { maxQueue: 2 } });
    const features = [{ index: 0, strength: 1 }];
    const steer = (prompt: string, signal?: AbortSignal) => post(a, "/v1/steer", { prompt, features, max_new_tokens: 2 }, {}, signal);
    const first = steer("the cat");
    const gone = new AbortController();
    const second = Promise.resolve(steer("the dog", gone.signal)).catch((e: unknown) => e);
    const third = steer("a cat");
    await new Promise((r) => setTimeout(r, 20));
    type Health = { queue: { waiting: number; dropped: number } };
    const health = async () => ((await (await a.request("/health")).json()) as Health).queue;
    expect((await health()).waiting).toBe(2);
    gone.abort();
    await new Promise((r) => setTimeout(r, 20));
    expect(await health()).toMatchObject({ waiting: 1, dropped: 1 });
    // the freed slot takes a new request instead of a 429
    const fourth = steer("a dog");
    release();
    const res = await Promise.all([first, third, fourth]);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    await second;
    expect(seen).toEqual(["the cat", "the cat", "a cat", "a cat", "a dog", "a dog"]);
  });

  test("over real sockets (Bun.serve on loopback): clients that close their connection have their queued work dropped", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const slow = Object.create(model) as FakeModel;
    slow.generate = async (prompt: string, o: SampleOptions) => {
      seen.push(prompt);
      if (seen.length === 1) await gate;
      return model.generate(prompt, o);
    };
    const srv = await listen(createApp({ model: slow, sae }), { port: 0 });
    try {
      const body = (prompt: string) => JSON.stringify({ prompt, features: [{ index: 0, strength: 1 }], max_new_tokens: 2 });
      const first = fetch(`${srv.url}/v1/steer`, { method: "POST", body: body("the cat") });
      const ctrls = ["the dog", "a cat", "a dog"].map((p) => {
        const c = new AbortController();
        const done = fetch(`${srv.url}/v1/steer`, { method: "POST", body: body(p), signal: c.signal }).catch((e: unknown) => e);
        return { c, done };
      });
      await new Promise((r) => setTimeout(r, 200));
      for (const { c } of ctrls) c.abort();
      await Promise.all(ctrls.map((x) => x.done));
      await new Promise((r) => setTimeout(r, 200));
      const queue = ((await (await fetch(`${srv.url}/health`)).json()) as { queue: { waiting: number; dropped: number } }).queue;
      expect(queue).toMatchObject({ waiting: 0, dropped: 3 });
      release();
      expect((await first).status).toBe(200);
      expect(seen).toEqual(["the cat", "the cat"]);
    } finally {
      await srv.stop();
    }
  });
});
