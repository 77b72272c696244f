// steerGenerate under an AbortSignal (#19): a signal that fires after N token passes stops the run there with a
// CancelledError (in the unsteered or the steered half), the steering vector and the hook's tensors are freed (the
// pool's live bytes return to the baseline), and a signal that never fires gives the unsignalled result.
// collectFeatureData stops between batches the same way.
import { describe, expect, test } from "bun:test";
import { CancelledError, getDevice, type Tensor } from "@sae/tensor-core";
import { FakeModel, FakeSae } from "./fakes.ts";
import { collectFeatureData } from "./feature_data.ts";
import { steerGenerate } from "./steer.ts";
import type { SampleOptions } from "./types.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 61 });
const sae = new FakeSae(device, { seed: 62, d_sae: 16 });
const features = [{ index: 5, strength: 3 }];
const opts = { maxNewTokens: 10, temperature: 0.8, seed: 4 };

/** The fake model; `ctrl` aborts once `after` token passes have run. */
function counting(after: number) {
  const ctrl = new AbortController();
  let passes = 0;
  const m = Object.create(model) as FakeModel;
  m.generate = (prompt: string, o: SampleOptions) => {
    const hooks = { ...o.hooks };
    const step = (x: Tensor): Tensor | void => {
      if (++passes === after) ctrl.abort();
      return o.hooks?.[sae.cfg.hook_name]?.(x);
    };
    return model.generate(prompt, { ...o, hooks: { ...hooks, [sae.cfg.hook_name]: step } });
  };
  return { m, ctrl, passes: () => passes };
}

describe("steerGenerate with an AbortSignal", () => {
  for (const after of [4, 13]) {
    test(`aborted after ${after} of 2 x 10 token passes: CancelledError there, tensors freed`, async () => {
      const baseline = device.memory().liveBytes;
      const { m, ctrl, passes } = counting(after);
      const err = await steerGenerate(m, sae, "the cat", features, { ...opts, signal: ctrl.signal }).catch((e) => e);
      expect(err).toBeInstanceOf(CancelledError);
      const where = after < 10 ? `after ${after} of 10` : `after ${after - 10} of 10`;
      expect((err as Error).message).toContain(where);
      expect(passes()).toBe(after);
      expect(device.memory().liveBytes).toBe(baseline);
    });
  }

  test("an unfired signal changes nothing; an aborted one runs no pass", async () => {
    const plain = await steerGenerate(model, sae, "the cat", features, opts);
    const live = new AbortController().signal;
    expect(await steerGenerate(model, sae, "the cat", features, { ...opts, signal: live })).toEqual(plain);
    const { m, passes } = counting(1000);
    const gone = AbortSignal.abort();
    const err = await steerGenerate(m, sae, "the cat", features, { ...opts, signal: gone }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(passes()).toBe(0);
  });
});

describe("collectFeatureData with an AbortSignal", () => {
  const seqs = Array.from({ length: 12 }, (_, i) => model.toIds(`the cat sat on mat ${i}`).slice(0, 6));

  test("aborted after batch 2 of 4: CancelledError before batch 3, tensors freed; unfired: same data", async () => {
    const baseline = device.memory().liveBytes;
    const ctrl = new AbortController();
    const calls0 = model.calls;
    const onProgress = (done: number) => void (done === 6 && ctrl.abort());
    const run = collectFeatureData(model, sae, seqs, { batchSize: 3, topLogits: 2, onProgress, signal: ctrl.signal });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toContain("after 6 of 12 sequences");
    expect(model.calls - calls0).toBe(2);
    expect(device.memory().liveBytes).toBe(baseline);
    const plain = await collectFeatureData(model, sae, seqs, { batchSize: 3, topLogits: 2 });
    const live = new AbortController().signal;
    const got = await collectFeatureData(model, sae, seqs, { batchSize: 3, topLogits: 2, signal: live });
    expect({ ...got, meta: { ...got.meta, created: "" } }).toEqual({ ...plain, meta: { ...plain.meta, created: "" } });
  });
});
