// The shared suite every model family passes, against Hugging Face transformers 4.44.2's own modeling code
// (fixtures/hf/<family>/, written by scripts/hf_fixtures.py): logits; every hook_resid_pre with NO_PROCESSING equal to
// HF's hidden_states[i] (and ln_final.hook_normalized to the last one); attention patterns, z, MLP activations,
// attention and MLP outputs, rotated q and k; hook_scale and hook_attn_scores against CPU math on those; greedy
// KV-cache generation equal to HF's tokens; a right-padded row; TransformerLens-processed weights, same log-probs.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import type { HookedTransformer } from "../model/hooked_transformer.ts";
import { loadModel } from "../model/load_model.ts";
import { NO_PROCESSING, TRANSFORMER_LENS_DEFAULTS } from "../model/process.ts";
import { fixture, hfFixture, logSoftmax } from "../model/test_fixtures.ts";
import { FAMILIES } from "./registry.ts";

// Tolerances: HF computes in f32 too, in another summation order; activations are O(1-10) over d_model 32, 2 layers.
// Observed max differences ~1e-5; processing reassociates sums (folded weights), a few roundings more.
const TOL = 1e-4;
const PROCESSED_TOL = 3e-4;

/** Fixture folders (a family's name, or a variant such as gpt_neox_sequential) and the model_type in each. */
const CASES = readdirSync(fixture("hf")).map((name) => {
  const config = JSON.parse(readFileSync(`${hfFixture(name)}/config.json`, "utf8")) as { model_type: string };
  return { name, family: config.model_type };
});

test("every registered family has a Hugging Face fixture", () => {
  expect(CASES.map((c) => c.name)).toEqual(expect.arrayContaining(Object.keys(FAMILIES)));
});

function golden(family: string) {
  const { tensors } = loadSafetensorsFile(`${hfFixture(family)}/golden.safetensors`);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`golden ${family}: no ${name}`);
    return t.data as Float32Array;
  };
  const ids = Array.from(get("input_ids"));
  const [batch, pos] = tensors.get("input_ids")!.shape;
  const rows = Array.from({ length: batch }, (_, b) => ids.slice(b * pos, (b + 1) * pos));
  const gen = get("generated");
  const n = gen.length / batch;
  const newTokens = Array.from({ length: batch }, (_, b) => Array.from(gen.slice(b * n, (b + 1) * n)));
  return { get, has: (n: string) => tensors.has(n), rows, newTokens, batch, pos };
}

/** Per-row norm scale over the last dim: LayerNorm sqrt(var + eps), RMSNorm sqrt(mean(x^2) + eps). */
function scales(x: Float32Array, d: number, rms: boolean, eps: number): Float64Array {
  const out = new Float64Array(x.length / d);
  for (let r = 0; r < out.length; r++) {
    let m = 0;
    if (!rms) for (let j = 0; j < d; j++) m += x[r * d + j] / d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - m) ** 2 / d;
    out[r] = Math.sqrt(v + eps);
  }
  return out;
}

/** Softmax over rows of length n, float64. */
function softmaxRows(x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x[r * n + j]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[r * n + j] - m);
    for (let j = 0; j < n; j++) out[r * n + j] = Math.exp(x[r * n + j] - m) / s;
  }
  return out;
}

async function readAll(model: HookedTransformer, ids: number[][], names: string[]) {
  const { logits, cache } = await model.runWithCache(ids, { names, logits: true });
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = (await cache[n].read()) as Float32Array;
  for (const t of new Set(Object.values(cache))) t.dispose();
  const l = (await logits!.read()) as Float32Array;
  logits!.dispose();
  return { logits: l, acts: out };
}

for (const { name: family, family: modelType } of CASES) {
  describe(`${family} vs Hugging Face`, () => {
    const g = golden(family);

    test("NO_PROCESSING: logits, hidden states, patterns, z, MLP activations, hook_scale and attn_scores", async () => {
      const model = await loadModel(hfFixture(family), { processing: NO_PROCESSING });
      const { nLayers: L, dModel: D, dVocab: V, nHeads: H } = model.cfg;
      expect(model.cfg.family).toBe(modelType);
      const per = (h: string) => Array.from({ length: L }, (_, l) => `blocks.${l}.${h}`);
      const hooks = ["hook_resid_pre", "attn.hook_pattern", "attn.hook_z", "mlp.hook_pre", "mlp.hook_post"];
      hooks.push("hook_attn_out", "hook_mlp_out");
      if (g.has("blocks.0.attn.hook_rot_q")) hooks.push("attn.hook_rot_q", "attn.hook_rot_k"); // full-rotary families
      const compared = hooks.flatMap(per);
      const finals = ["ln_final.hook_normalized", "ln_final.hook_scale"];
      const names = [...compared, ...per("attn.hook_attn_scores"), "blocks.0.ln1.hook_scale", ...finals];
      const { logits, acts } = await readAll(model, g.rows, names);
      assertClose(`${family} logits`, logits, g.get("logits"), TOL, TOL);
      for (let l = 0; l < L; l++) {
        const what = `${family} resid_pre ${l} = hidden_states[${l}]`;
        assertClose(what, acts[`blocks.${l}.hook_resid_pre`], g.get(`hidden.${l}`), TOL, TOL);
      }
      const final = `${family} ln_final.hook_normalized = hidden_states[${L}]`;
      assertClose(final, acts["ln_final.hook_normalized"], g.get(`hidden.${L}`), TOL, TOL);
      for (const n of compared.slice(L)) assertClose(`${family} ${n}`, acts[n], g.get(n), TOL, TOL);
      const rms = model.cfg.norm === "rmsnorm";
      const wantScale = scales(g.get("hidden.0"), D, rms, model.cfg.eps);
      assertClose(`${family} ln1.hook_scale`, acts["blocks.0.ln1.hook_scale"], wantScale, TOL, TOL);
      const keys = g.pos;
      for (let l = 0; l < L; l++) {
        const s = acts[`blocks.${l}.attn.hook_attn_scores`];
        expect(s.length).toBe(g.batch * H * g.pos * keys);
        const hfPattern = g.get(`blocks.${l}.attn.hook_pattern`);
        assertClose(`${family} softmax(attn_scores ${l}) = HF pattern`, softmaxRows(s, keys), hfPattern, TOL, TOL);
      }
      expect(logits.length).toBe(g.batch * g.pos * V);
      model.dispose();
    });

    test("a right-padded row: its real positions equal HF's logits of the full row (causal prefix)", async () => {
      const model = await loadModel(hfFixture(family), { processing: NO_PROCESSING });
      const V = model.cfg.dVocab;
      const real = 7;
      const logits = await (await model.forward([g.rows[0], g.rows[1].slice(0, real)])).read();
      const got = logits.slice(g.pos * V, (g.pos + real) * V);
      const want = g.get("logits").slice(g.pos * V, (g.pos + real) * V);
      assertClose(`${family} padded row 1`, got, want, TOL, TOL);
      model.dispose();
    });

    test("greedy generation with the KV cache equals HF's tokens", async () => {
      const model = await loadModel(hfFixture(family), { processing: NO_PROCESSING });
      for (let b = 0; b < g.batch; b++) {
        const out = await model.generate(g.rows[b], { maxNewTokens: g.newTokens[b].length, temperature: 0 });
        expect(out.newTokens).toEqual(g.newTokens[b]);
      }
      model.dispose();
    });

    test("TransformerLens processing keeps the log-probs", async () => {
      const model = await loadModel(hfFixture(family), { processing: TRANSFORMER_LENS_DEFAULTS });
      const { logits } = await readAll(model, g.rows, []);
      const V = model.cfg.dVocab;
      const want = logSoftmax(g.get("logits"), V);
      assertClose(`${family} processed log-probs`, logSoftmax(logits, V), want, PROCESSED_TOL, PROCESSED_TOL);
      model.dispose();
    });
  });
}
