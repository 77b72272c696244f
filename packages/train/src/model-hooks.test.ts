// ModelHook on the bundled model: a [batch, pos, n_heads, d_head] hook (attn.hook_z) gives [batch * pos,
// n_heads * d_head] rows, heads major, as SAELens's evals flatten it, and logitsWith puts the 4-D shape back.
import { expect, test } from "bun:test";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer";
import { ModelHook } from "./model-hooks.ts";

test("hook_z activations are [batch * pos, n_heads * d_head] rows; an identity splice keeps the logits", async () => {
  const device = await getDevice();
  const model = await loadBundled({ device });
  const hook = await ModelHook.create(model, "blocks.0.attn.hook_z");
  const { nHeads, dHead } = model.cfg;
  expect(hook.dIn).toBe(nHeads * dHead);
  const tokens = new Int32Array([1, 5, 9, 2, 3, 7]);
  const x = await hook.tensor(tokens, 2, 3);
  expect(x.shape).toEqual([6, nHeads * dHead]);
  const cache = (await model.runWithCache({ ids: tokens, mask: new Int32Array(6).fill(1), batch: 2, pos: 3 }, { names: ["blocks.0.attn.hook_z"] })).cache;
  expect(Array.from(await x.read())).toEqual(Array.from(await cache["blocks.0.attn.hook_z"].read()));
  const clean = await hook.logits(tokens, 2, 3);
  const same = await hook.logitsWith(tokens, 2, 3, async (t) => {
    expect(t.shape).toEqual([6, nHeads * dHead]);
    return Tensor.from(device, t.shape, (await t.read()) as Float32Array);
  });
  expect(Array.from(same)).toEqual(Array.from(clean));
  x.dispose();
});
