// generate under an AbortSignal (#19): a signal that fires after N sampled tokens stops the run before pass N + 1
// with a CancelledError, and the run's GPU tensors (KV cache, logit rows) are freed: the pool's live bytes return
// to what they were before the call. Tokens are counted by a read-only hook on the last block.
import { describe, expect, test } from "bun:test";
import { CancelledError, type Tensor } from "@sae/tensor-core";
import { loadBundled } from "./load.ts";

describe("generate with an AbortSignal", async () => {
  const model = await loadBundled();
  const prompt = "ROMEO:\nBut soft, what light";
  const greedy = { maxNewTokens: 12, temperature: 0 };
  const reference = await model.generate(prompt, greedy);

  for (const useCache of [true, false]) {
    test(`aborted after 5 of 12 tokens (useCache ${useCache}): stops after 5 passes, tensors freed`, async () => {
      const before = model.device.memory().liveBytes;
      const ctrl = new AbortController();
      let passes = 0;
      const hooks = {
        "blocks.3.hook_resid_post": (_x: Tensor) => {
          passes++;
          if (passes === 5) ctrl.abort(); // fires during pass 5: token 5 is still sampled, pass 6 never runs
        },
      };
      const run = model.generate(prompt, { ...greedy, useCache, hooks, signal: ctrl.signal });
      const err = await run.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toContain("generate after 5 of 12 new tokens");
      expect(passes).toBe(5);
      expect(model.device.memory().liveBytes).toBe(before);
      // the model is fine afterwards: the same greedy run gives the reference tokens
      expect((await model.generate(prompt, { ...greedy, useCache })).newTokens).toEqual(reference.newTokens);
    });
  }

  test("an already-aborted signal runs no pass; a signal that never fires changes nothing", async () => {
    const before = model.device.memory().liveBytes;
    let passes = 0;
    const hooks = { "blocks.0.hook_resid_pre": () => void passes++ };
    const gone = AbortSignal.abort();
    const err = await model.generate(prompt, { ...greedy, hooks, signal: gone }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(passes).toBe(0);
    expect(model.device.memory().liveBytes).toBe(before);
    const ok = await model.generate(prompt, { ...greedy, signal: new AbortController().signal });
    expect(ok.newTokens).toEqual(reference.newTokens);
  });
});
