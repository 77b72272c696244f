// The analysis adapters on the real bundled tiny Shakespeare GPT-2 with a random standard (ReLU) SAE:
// W_U read through unembedding() (no forward pass) reproduces the model's logits, per-token features equal a CPU encoder on the
// model's own activations, steering equals a CPU-side add in a hook, and the app serves them end to end.
import { describe, expect, test } from "bun:test";
import { Sae, asAnalysisModel, asAnalysisSae, steerGenerate, topFeaturesPerToken } from "@sae/core";
import { Tensor, getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { loadBundled } from "@sae/transformer/node";
import { createApp } from "./app.ts";

const HOOK = "blocks.1.hook_resid_pre";
const device = await getDevice();
const hooked = await loadBundled();
const model = asAnalysisModel(hooked, "tiny-shakespeare");
const D = hooked.cfg.dModel;
const raw = Sae.create(device, { d_in: D, d_sae: 4 * D, architecture: "standard", hook_name: HOOK }, 7);
const sae = asAnalysisSae(raw);
const host = await raw.toHost();

describe("bundled model through the analysis adapters", () => {
  test("unembedding() reads the model's W_U without a forward pass", async () => {
    const fresh = asAnalysisModel(hooked, "tiny-shakespeare"); // its W_U is not cached yet
    const run = hooked.run;
    let passes = 0;
    hooked.run = (...args: Parameters<typeof run>) => (passes++, run.apply(hooked, args));
    try {
      const W_U = await fresh.unembedding();
      expect(W_U.shape).toEqual([D, hooked.cfg.dVocab]);
    } finally {
      hooked.run = run;
    }
    expect(passes).toBe(0);
  });

  test("W_U from unembedding(): logit differences between positions equal (xf[p] - xf[q]) @ W_U", async () => {
    const W_U = await model.unembedding();
    expect(W_U.shape).toEqual([D, hooked.cfg.dVocab]);
    const ids = model.toIds("ROMEO: But soft, what light");
    const r = await hooked.runWithCache([ids], { names: ["ln_final.hook_normalized"], logits: true });
    const xf = (await r.cache["ln_final.hook_normalized"].read()) as Float32Array;
    const logits = (await r.logits!.read()) as Float32Array;
    r.logits!.dispose();
    r.cache["ln_final.hook_normalized"].dispose();
    const V = hooked.cfg.dVocab;
    const got: number[] = [];
    const want: number[] = [];
    for (let v = 0; v < V; v += 7) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (xf[2 * D + d] - xf[5 * D + d]) * W_U.data[d * V + v];
      got.push(s);
      want.push(logits[2 * V + v] - logits[5 * V + v]);
    }
    assertClose("logit differences", got, want, 1e-3, 1e-3);
  });

  test("top features per token equal a CPU ReLU encoder on the model's activation", async () => {
    const text = "First Citizen: Before we proceed any further";
    const r = await topFeaturesPerToken(model, sae, text, { top: 4 });
    const cached = await hooked.runWithCache([r.ids], { names: [HOOK] });
    const x = (await cached.cache[HOOK].read()) as Float32Array;
    cached.cache[HOOK].dispose();
    const d_sae = 4 * D;
    r.ids.forEach((_, p) => {
      const f: number[] = [];
      for (let j = 0; j < d_sae; j++) {
        let s = host.b_enc[j];
        for (let d = 0; d < D; d++) s += (x[p * D + d] - host.b_dec[d]) * host.W_enc[d * d_sae + j];
        f.push(Math.max(0, s));
      }
      const want = f.map((v, i) => ({ i, v })).filter((o) => o.v > 0).sort((a, b) => b.v - a.v || a.i - b.i).slice(0, 4);
      expect(r.features[p].map((o) => o.index)).toEqual(want.map((o) => o.i));
      assertClose(`pos ${p}`, r.features[p].map((o) => o.value), want.map((o) => o.v), 1e-4, 1e-4);
    });
    expect(r.tokens[0]).toBe("<|endoftext|>");
  });

  test("steering equals generating with the vector added on the CPU inside the hook (same seed)", async () => {
    const feats = [{ index: 3, strength: 12 }, { index: 100, strength: -6 }];
    const opts = { maxNewTokens: 12, temperature: 0.7, seed: 5 };
    const r = await steerGenerate(model, sae, "KING RICHARD:", feats, opts);
    const vec = new Float32Array(D);
    for (const f of feats) for (let d = 0; d < D; d++) vec[d] += f.strength * host.W_dec[f.index * D + d];
    const cpuAdd = async (act: Tensor): Promise<Tensor> => {
      const a = (await act.read()) as Float32Array;
      return Tensor.from(device, act.shape, a.map((v, i) => v + vec[i % D]), "cpu steered");
    };
    const want = await hooked.generate("KING RICHARD:", { ...opts, hooks: { [HOOK]: cpuAdd as never } });
    const plain = await hooked.generate("KING RICHARD:", opts);
    expect(r.steered).toBe(want.text);
    expect(r.unsteered).toBe(plain.text);
    expect(r.steered).not.toBe(r.unsteered);
  });

  test("POST /v1/steer and /v1/encode on the real model", async () => {
    const app = createApp({ model, sae });
    const res = await app.request("/v1/steer", { method: "POST", body: JSON.stringify({ prompt: "To be", features: [{ index: 9, strength: 20 }], max_new_tokens: 6, seed: 1 }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { steered: string; unsteered: string };
    const direct = await steerGenerate(model, sae, "To be", [{ index: 9, strength: 20 }], { maxNewTokens: 6, temperature: 0.8, seed: 1 });
    expect(body).toMatchObject({ steered: direct.steered, unsteered: direct.unsteered });
    const enc = (await (await app.request("/v1/encode", { method: "POST", body: JSON.stringify({ text: "To be" }) })).json()) as { tokens: string[] };
    expect(enc.tokens).toEqual(hooked.toStrTokens("To be"));
  });
});
