// Weight processing (fold LN, centre writing weights, centre unembed, fold value biases) against the raw golden
// file: log-probs and attention patterns unchanged, logits minus their mean over d_vocab, residual-stream and
// writing activations minus their mean over d_model. Also checks processWeights leaves its input untouched.
import { describe, expect, test } from "bun:test";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { parseGpt2Config } from "./config.ts";
import { loadGpt2 } from "./load.ts";
import { NO_PROCESSING, processWeights, TRANSFORMER_LENS_DEFAULTS } from "./process.ts";
import { centered, fixture, loadGolden, logSoftmax } from "./test_fixtures.ts";
import { paramsFromHf } from "./weights.ts";

// Processing reassociates sums (folded weights, subtracted means): a few f32 roundings more than the raw model.
const ATOL = 2e-4;
const RTOL = 2e-4;
const D = 48;
const V = 101;

describe("weight processing", () => {
  const golden = loadGolden();
  const names = ["blocks.0.hook_resid_pre", "blocks.1.hook_resid_mid", "blocks.1.hook_resid_post", "blocks.0.hook_attn_out", "blocks.1.hook_mlp_out", "blocks.0.attn.hook_pattern", "blocks.1.attn.hook_q", "blocks.1.mlp.hook_post", "ln_final.hook_normalized"];

  test("TransformerLens defaults: same log-probs, centred logits and residual stream", async () => {
    const model = await loadGpt2(fixture("gpt2-tiny")); // defaults = TRANSFORMER_LENS_DEFAULTS
    const { logits, cache } = await model.runWithCache(golden.batch, { names });
    const got = await logits!.read();
    assertClose("log-probs", logSoftmax(got, V), logSoftmax(golden.get("logits"), V), RTOL, ATOL);
    assertClose("logits = raw logits - mean over d_vocab", got, centered(golden.get("logits"), V), RTOL, ATOL);
    for (const n of names.slice(0, 5)) assertClose(`${n} centred`, await cache[n].read(), centered(golden.get(n), D), RTOL, ATOL);
    for (const n of names.slice(5)) {
      // LN outputs with folded weights are the plain normalisation, so only q, pattern and MLP acts stay equal
      if (n === "ln_final.hook_normalized") continue;
      assertClose(`${n} unchanged`, await cache[n].read(), golden.get(n), RTOL, ATOL);
    }
    model.dispose();
  });

  test("each option alone keeps the log-probs", async () => {
    for (const key of Object.keys(TRANSFORMER_LENS_DEFAULTS) as (keyof typeof TRANSFORMER_LENS_DEFAULTS)[]) {
      const model = await loadGpt2(fixture("gpt2-tiny"), { ...NO_PROCESSING, [key]: true });
      const got = await (await model.forward(golden.batch)).read();
      assertClose(`log-probs with only ${key}`, logSoftmax(got, V), logSoftmax(golden.get("logits"), V), RTOL, ATOL);
      model.dispose();
    }
  });

  test("folded weights: LN params become 1/0, reading weights are centred, input is not modified", () => {
    const { tensors } = loadSafetensorsFile(fixture("gpt2-tiny/model.safetensors"));
    const cfg = parseGpt2Config({ n_layer: 2, n_embd: 48, n_head: 3, vocab_size: 101, n_positions: 32 });
    const raw = paramsFromHf(cfg, tensors);
    const before = raw.blocks[0].W_QKV.data.slice();
    const p = processWeights(raw, TRANSFORMER_LENS_DEFAULTS);
    expect(raw.blocks[0].W_QKV.data).toEqual(before);
    expect(Array.from(p.blocks[1].ln2W.data).every((x) => x === 1)).toBe(true);
    expect(Array.from(p.lnFB.data).every((x) => x === 0)).toBe(true);
    const colMeans = new Float64Array(3 * D);
    p.blocks[0].W_QKV.data.forEach((x, i) => (colMeans[i % (3 * D)] += x / D));
    assertClose("W_QKV column means", colMeans, new Float64Array(3 * D), 0, 1e-6);
    assertClose("b_V folded into b_O", p.blocks[0].b_QKV.data.slice(2 * D), new Float32Array(D), 0, 0);
  });
});
