// ModelHook on the bundled model: a [batch, pos, n_heads, d_head] hook (attn.hook_z) gives [batch * pos,
// n_heads * d_head] rows, heads major, as SAELens's evals flatten it, and logitsWith puts the 4-D shape back.
import { expect, test } from "bun:test";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
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

test("hook_head_index: one head's [batch * pos, d_head] rows are read, replaced and zero-ablated", async () => {
  const device = await getDevice();
  const model = await loadBundled({ device });
  const { nHeads, dHead } = model.cfg;
  const hook = await ModelHook.create(model, "blocks.0.attn.hook_z", 1);
  expect(hook.dIn).toBe(dHead);
  const tokens = new Int32Array([1, 5, 9, 2, 3, 7]);
  const batch = { ids: tokens, mask: new Int32Array(6).fill(1), batch: 2, pos: 3 };
  const z = (await (await model.runWithCache(batch, { names: ["blocks.0.attn.hook_z"] })).cache["blocks.0.attn.hook_z"].read()) as Float32Array;
  const x = await hook.tensor(tokens, 2, 3);
  expect(x.shape).toEqual([6, dHead]);
  const want = Array.from({ length: 6 * dHead }, (_, i) => z[(Math.floor(i / dHead) * nHeads + 1) * dHead + (i % dHead)]);
  expect(Array.from(await x.read())).toEqual(want);
  // zero ablation touches head 1 only: the same as a hook that zeroes head 1
  const zeroHead = async (t: Tensor) => {
    const a = (await t.read()) as Float32Array;
    for (let r = 0; r < 6; r++) a.fill(0, (r * nHeads + 1) * dHead, (r * nHeads + 2) * dHead);
    return Tensor.from(device, t.shape, a);
  };
  const ref = await (await model.runWithHooks(batch, { "blocks.0.attn.hook_z": zeroHead })).read();
  expect(Array.from(await hook.logitsWith(tokens, 2, 3, "zero"))).toEqual(Array.from(ref));
  const viaReplace = await hook.logitsWith(tokens, 2, 3, async (t) => Tensor.from(device, t.shape, new Float32Array(t.size)));
  expect(Array.from(viaReplace)).toEqual(Array.from(ref));
  x.dispose();
});
