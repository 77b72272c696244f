// @sae/core's analysis adapter reads W_U from the model's unembedding() (no forward pass), so logit attribution sees
// Gemma 2's linear unembedding and not cap * tanh(. / cap) of probed logits. Checked on the gemma2 Hugging Face
// fixture (tied: W_U = embed_tokens^T, unscaled; final_logit_softcapping 3): f32 exactly, f16-held weights as their
// f16 rounding; and the soft cap really is there (the basis-row probe the adapter used before reads other values).
import { expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { f16BitsToNumber, numberToF16Bits, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { asAnalysisModel } from "@sae/core";
import { NO_PROCESSING } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";

const dir = fileURLToPath(new URL("../packages/transformer/fixtures/hf/gemma2", import.meta.url));
const embed = loadSafetensorsFile(`${dir}/model.safetensors`).tensors.get("model.embed_tokens.weight")!;
const [V, D] = embed.shape; // [96, 32]
const embedData = Float32Array.from(embed.data as ArrayLike<number>);

function transposed(rows: Float32Array): Float32Array {
  const out = new Float32Array(D * V);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) out[d * V + v] = rows[v * D + d];
  return out;
}

test("gemma2: the adapter's W_U is embed_tokens^T (f32) and its f16 rounding (f16 weights)", async () => {
  const model = await loadModel(dir, { processing: NO_PROCESSING, tokenizer: null });
  expect(model.cfg.finalSoftcap).toBe(3);
  const W_U = await asAnalysisModel(model, "gemma2").unembedding();
  expect(W_U.shape).toEqual([D, V]);
  assertClose("W_U f32", W_U.data, transposed(embedData), 0, 0);

  // what reading W_U through logits of basis rows gives under the soft cap: not W_U
  const basis = new Float32Array(2 * D * D);
  for (let d = 0; d < D; d++) basis[(D + d) * D + d] = 1; // row 0..D-1 zeros, row D + d = e_d
  const ids = [new Array<number>(2 * D).fill(model.cfg.bosTokenId)];
  const replace = () => Tensor.from(model.device, [1, 2 * D, D], basis, "basis");
  const logits = await model.runWithHooks(ids, { "ln_final.hook_normalized": replace });
  const all = (await logits.read()) as Float32Array;
  logits.dispose();
  let worst = 0;
  for (let d = 0; d < D; d++) for (let v = 0; v < V; v++) {
    worst = Math.max(worst, Math.abs(all[(D + d) * V + v] - all[v] - W_U.data[d * V + v]));
  }
  expect(worst).toBeGreaterThan(1e-3);
  model.dispose();

  const half = await loadModel(dir, { processing: NO_PROCESSING, tokenizer: null, dtype: "f16" });
  const W_U16 = await asAnalysisModel(half, "gemma2 f16").unembedding();
  assertClose("W_U f16", W_U16.data, transposed(embedData.map((x) => f16BitsToNumber(numberToF16Bits(x)))), 0, 0);
  half.dispose();
});
