// Weights held as f16 / bf16 on the device (loadModel's dtype) and matrices split into row chunks by a forced small
// binding limit (the path a Gemma-2-sized vocab takes), on every Hugging Face fixture (fixtures/hf/*, transformers
// 4.44.2's logits): logits within the stated tolerance of HF's f32 run, memory() halved, chunked f32 logits equal
// to the unchunked run, chunked f16 generation equal to HF's greedy tokens, unembedding() readable either way.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { PackedMatrix } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { loadModel } from "./load_model.ts";
import { NO_PROCESSING } from "./process.ts";
import { fixture, hfFixture } from "./test_fixtures.ts";

// Max |logit - HF| over the 10 fixtures (logits O(1-10), d_model 32, 2 layers), measured 2026-12-04: f16 2.2e-3 ..
// 8.1e-3, bf16 1.8e-2 .. 5.9e-2; the bounds leave >2x headroom. f16 keeps 11 significant bits, bf16 8.
const TOL = { f16: 0.02, bf16: 0.15 } as const;
const CASES = readdirSync(fixture("hf"));

function golden(name: string) {
  const { tensors } = loadSafetensorsFile(`${hfFixture(name)}/golden.safetensors`);
  const ids = Array.from(tensors.get("input_ids")!.data as Float32Array);
  const [batch, pos] = tensors.get("input_ids")!.shape;
  const rows = Array.from({ length: batch }, (_, b) => ids.slice(b * pos, (b + 1) * pos));
  const gen = tensors.get("generated")!.data as Float32Array;
  return { rows, logits: tensors.get("logits")!.data as Float32Array, gen, batch };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(CASES)("%s with half-precision and chunked weights", (name) => {
  const g = golden(name);
  const logitsOf = async (opts: Parameters<typeof loadModel>[1]) => {
    const model = await loadModel(hfFixture(name), { processing: NO_PROCESSING, tokenizer: null, ...opts });
    const t = await model.forward(g.rows);
    const logits = (await t.read()) as Float32Array;
    t.dispose();
    return { model, logits };
  };

  test("f16 and bf16: logits within tolerance of HF's f32 run; memory() about half of f32's", async () => {
    const f32 = await logitsOf({});
    assertClose(`${name} f32`, f32.logits, g.logits, 1e-4, 1e-4);
    const full = f32.model.memory().weightBytes;
    for (const dtype of ["f16", "bf16"] as const) {
      const half = await logitsOf({ dtype });
      const d = maxDiff(half.logits, g.logits);
      console.log(`${name} ${dtype}: max |logit - HF| ${d.toExponential(2)}, weights ${half.model.memory().weightBytes} of ${full} bytes`);
      expect(d).toBeLessThan(TOL[dtype]);
      expect(d).toBeGreaterThan(0); // the weights really were rounded
      const ratio = half.model.memory().weightBytes / full;
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(0.56); // biases and norms stay f32
      expect(half.model.unembedding().W_U_T).toBeInstanceOf(PackedMatrix);
      half.model.dispose();
    }
    f32.model.dispose();
  });

  test("a 1 KiB binding limit: embedding and unembedding in row chunks, f32 logits equal the unchunked run", async () => {
    const plain = await logitsOf({});
    const chunked = await logitsOf({ maxBindingBytes: 1024 });
    const { W_U_T } = chunked.model.unembedding();
    expect(W_U_T).toBeInstanceOf(PackedMatrix);
    expect((W_U_T as PackedMatrix).chunks.length).toBeGreaterThan(8); // [96, 32] f32 = 12 KiB
    assertClose(`${name} chunked f32`, chunked.logits, plain.logits, 1e-5, 1e-5);
    assertClose(`${name} unembedding read`, await W_U_T.read(), await plain.model.unembedding().W_U_T.read(), 0, 0);
    expect(chunked.model.memory().weightBytes).toBe(plain.model.memory().weightBytes);
    plain.model.dispose();
    chunked.model.dispose();
  });

  test("chunked f16: greedy KV-cache generation equals HF's tokens", async () => {
    const model = await loadModel(hfFixture(name), { processing: NO_PROCESSING, tokenizer: null, dtype: "f16", maxBindingBytes: 1024 });
    const n = g.gen.length / g.batch;
    for (let b = 0; b < g.batch; b++) {
      const r = await model.generate(g.rows[b], { maxNewTokens: n, temperature: 0, stopAtEos: false });
      expect(r.tokens.slice(g.rows[b].length)).toEqual(Array.from(g.gen.slice(b * n, (b + 1) * n)));
    }
    model.dispose();
  });
});
