// loadModelFromUrl / loadBundled({ baseUrl }): the bundled model's folder served by a loopback HTTP server loads to
// the same model as from disk (same tokens, bit-equal logits, the same greedy text); a config.json with a
// tokenizer.json instead of vocab.json + merges.txt gets an HfTokenizer; a missing model.safetensors is a
// DownloadError naming the URL.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DownloadError } from "@sae/hub";
import { serveLoopback } from "@sae/hub/testing";
import { getDevice } from "@sae/tensor-core";
import { HfTokenizer } from "../tokenizer/hf_tokenizer.ts";
import { bundledModelDir, loadBundled } from "./load.ts";
import { loadModelFromUrl } from "./load_url.ts";

const device = await getDevice();
const server = await serveLoopback((req) => {
  const m = /^\/(bundled|no-weights)\/([a-z_.]+)$/.exec(new URL(req.url).pathname);
  if (!m || (m[1] === "no-weights" && m[2] === "model.safetensors")) return new Response("no", { status: 404 });
  try {
    return new Response(readFileSync(join(bundledModelDir(), m[2])));
  } catch {
    return new Response("no", { status: 404 });
  }
});
const base = server.url;
afterAll(() => server.close());

describe("models from URLs", () => {
  test("loadBundled({ baseUrl }) equals loadBundled(): tokens, logits (bit-equal), greedy text", async () => {
    const disk = await loadBundled({ device });
    const web = await loadBundled({ device, baseUrl: `${base}/bundled/` });
    const want = ["config.json", "model.safetensors", "vocab.json", "merges.txt"].map((f) => `GET /bundled/${f}`);
    expect(server.requests).toEqual(expect.arrayContaining(want));
    const text = "ROMEO: But soft, what light";
    expect(web.toStrTokens(text)).toEqual(disk.toStrTokens(text));
    const [a, b] = [await disk.forward(text), await web.forward(text)]; // [1, pos, d_vocab]
    expect(b.shape).toEqual(a.shape);
    expect(Array.from(await b.read())).toEqual(Array.from(await a.read()));
    const opts = { maxNewTokens: 12, temperature: 0 };
    const [g1, g2] = [await disk.generate(text, opts), await web.generate(text, opts)];
    expect(g2.text).toBe(g1.text);
    expect(g2.newTokens.length).toBe(12);
    expect(g2.text.length).toBeGreaterThan(0);
    for (const t of [a, b]) t.dispose();
    disk.dispose();
    web.dispose();
  });

  test("a tokenizer.json instead of vocab.json + merges.txt: an HfTokenizer", async () => {
    const files: Record<string, string | Uint8Array<ArrayBuffer>> = {
      "config.json": readFileSync(join(bundledModelDir(), "config.json"), "utf8"),
      "model.safetensors": new Uint8Array(readFileSync(join(bundledModelDir(), "model.safetensors"))),
      "tokenizer.json": JSON.stringify({
        version: "1.0",
        model: { type: "WordLevel", vocab: { "<unk>": 0, a: 1, b: 2 }, unk_token: "<unk>" },
        pre_tokenizer: { type: "Whitespace" },
        normalizer: null,
        post_processor: null,
        decoder: null,
        added_tokens: [],
      }),
    };
    const fetch = async (url: string) => {
      const f = files[url.slice("mem://m/".length)];
      return f === undefined ? new Response("no", { status: 404 }) : new Response(f);
    };
    const model = await loadModelFromUrl("mem://m", { device, fetch });
    expect(model.tokenizer).toBeInstanceOf(HfTokenizer);
    expect(model.tokenizer!.encode("a b a")).toEqual([1, 2, 1]);
    model.dispose();
  });

  test("no model.safetensors: DownloadError naming the URL", async () => {
    const err = await loadModelFromUrl(`${base}/no-weights`, { device }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(String(err.message)).toContain(`${base}/no-weights/model.safetensors not found: HTTP 404`);
  });
});
