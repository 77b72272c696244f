// Logits over one binding: the bundled model (vocab 2048) on a device whose bindings are capped at 256 KiB, so
// logits [2, 48, 2048] (768 KiB) and a 40-token prompt's [1, 40, 2048] (320 KiB) are over the cap. Against the
// uncapped run on the default device and host float64 maths on its logits: logitRows blocks, forward's
// block-filled tensor, tokenLosses, KL between a clean and a hooked run, top-k logits, greedy and seeded generation.
// Gemma 2's fixture (final soft cap) against transformers' logits and greedy tokens with 8 KiB bindings (21 rows).
// forward's LimitError past maxBufferSize on a device whose reported limits are shrunk.
import { describe, expect, test } from "bun:test";
import { Device, LimitError, Tensor, fill, getDevice } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { bundledModelDir, loadGpt2 } from "./load.ts";
import { loadModel } from "./load_model.ts";
import type { LogitRows } from "./logit_rows.ts";
import { klDivRows, logSoftmaxRow, nextTokenLosses, topLogits } from "./logit_stats.ts";
import { NO_PROCESSING } from "./process.ts";
import { hfFixture } from "./test_fixtures.ts";

const CAP = 256 * 1024;
const V = 2048;

/** Host float64 CE of each next token: logits [batch, pos, V] -> [batch, pos - 1]. */
function hostLosses(logits: Float32Array, ids: ArrayLike<number>, batch: number, pos: number, vocab: number) {
  const out = new Float64Array(batch * (pos - 1));
  const lp = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < pos - 1; p++) {
      logSoftmaxRow(logits, (b * pos + p) * vocab, vocab, lp);
      out[b * (pos - 1) + p] = -lp[ids[b * pos + p + 1]];
    }
  }
  return out;
}

function hostKl(p: Float32Array, q: Float32Array, vocab: number): Float64Array {
  const rows = p.length / vocab;
  const out = new Float64Array(rows);
  const [lp, lq] = [new Float64Array(vocab), new Float64Array(vocab)];
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(p, r * vocab, vocab, lp);
    logSoftmaxRow(q, r * vocab, vocab, lq);
    for (let j = 0; j < vocab; j++) out[r] += Math.exp(lp[j]) * (lp[j] - lq[j]);
  }
  return out;
}

/** Rows of a deterministic token batch [batch, pos] from the model's vocabulary. */
function tokenRows(batch: number, pos: number, seed: number): number[][] {
  const row = (b: number) => Array.from({ length: pos }, (_, p) => (seed + 131 * b + 977 * p * p) % (V - 1));
  return Array.from({ length: batch }, (_, b) => row(b));
}

/** Every row of `rows`, read blockRows at a time. */
async function readBlocks(rows: LogitRows): Promise<Float32Array> {
  const n = rows.batch * rows.pos;
  const out = new Float32Array(n * rows.dVocab);
  for (let r0 = 0; r0 < n; r0 += rows.blockRows) {
    out.set(await rows.read(r0, Math.min(n, r0 + rows.blockRows)), r0 * rows.dVocab);
  }
  return out;
}

describe("logits over one binding (bundled model, 256 KiB bindings)", async () => {
  const capped = await Device.create({ maxBindingBytes: CAP });
  const small = await loadGpt2(bundledModelDir(), { device: capped });
  const plain = await loadGpt2(bundledModelDir());
  const ids = tokenRows(2, 48, 7);
  const flatIds = ids.flat();
  const ref = (await (await plain.forward(ids)).read()) as Float32Array; // [2, 48, 2048] uncapped
  // zero ablation of block 1's MLP output: a second distribution for KL
  const zeroHook = { "blocks.1.hook_mlp_out": (t: Tensor) => fill(Tensor.empty(t.device, t.shape), 0) };
  const refHooked = (await (await plain.runWithHooks(ids, zeroHook)).read()) as Float32Array;

  test("logitRows: blocks of 32 positions (one binding each), equal to the uncapped logits", async () => {
    expect(2 * 48 * V * 4).toBeGreaterThan(CAP);
    const rows = await small.logitRows(ids);
    expect(rows.blockRows).toBe(CAP / (V * 4));
    const got = await readBlocks(rows);
    rows.dispose();
    assertClose("blocked logits", got, ref, 1e-5, 1e-5);
    const plainRows = await plain.logitRows(ids); // fits: the whole tensor, one block
    expect(plainRows.blockRows).toBe(96);
    assertClose("plain rows", await plainRows.read(0, 96), ref, 0, 0);
    plainRows.dispose();
  });

  test("forward over one binding: the tensor filled block by block equals the uncapped logits", async () => {
    const t = await small.forward(ids);
    expect(t.shape).toEqual([2, 48, V]);
    expect(t.byteLength).toBeGreaterThan(capped.maxBinding);
    assertClose("forward", (await t.read()) as Float32Array, ref, 1e-5, 1e-5);
    t.dispose();
  });

  test("tokenLosses and KL between two runs equal host float64 maths on the uncapped logits", async () => {
    const losses = await small.tokenLosses(ids);
    const want = hostLosses(ref, flatIds, 2, 48, V);
    expect(losses.length).toBe(2 * 47);
    assertClose("token losses", losses, want, 1e-5, 1e-5);
    const [clean, hooked] = [await small.logitRows(ids), await small.logitRows(ids, { hooks: zeroHook })];
    const kl = await klDivRows(clean, hooked);
    const wantKl = hostKl(ref, refHooked, V);
    expect(Math.min(...wantKl)).toBeGreaterThan(1e-4); // the ablation really moved the distribution
    assertClose("kl", kl, wantKl, 1e-4, 1e-6);
    const hookedLosses = await nextTokenLosses(hooked, flatIds);
    assertClose("hooked losses", hookedLosses, hostLosses(refHooked, flatIds, 2, 48, V), 1e-5, 1e-5);
    clean.dispose();
    hooked.dispose();
  });

  test("topLogits: the 5 largest logits per position, as sorting the uncapped row gives", async () => {
    const rows = await small.logitRows(ids);
    const top = await topLogits(rows, 5);
    rows.dispose();
    for (let r = 0; r < 96; r++) {
      const row = Array.from(ref.subarray(r * V, (r + 1) * V));
      const order = row.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 5);
      expect(Array.from(top.ids.subarray(r * 5, r * 5 + 5))).toEqual(order.map((o) => o[1]));
      assertClose(`top row ${r}`, top.values.subarray(r * 5, r * 5 + 5), order.map((o) => o[0]), 1e-5, 1e-5);
    }
  });

  test("generate: a 40-token prompt (logits over the cap) gives the uncapped run's tokens", async () => {
    const prompt = tokenRows(1, 40, 3)[0];
    expect(40 * V * 4).toBeGreaterThan(CAP);
    const want = await plain.generate(prompt, { maxNewTokens: 8, temperature: 0 });
    const got = await small.generate(prompt, { maxNewTokens: 8, temperature: 0 });
    const full = await small.generate(prompt, { maxNewTokens: 8, temperature: 0, useCache: false });
    expect(got.newTokens).toEqual(want.newTokens);
    expect(full.newTokens).toEqual(want.newTokens);
    const sampled = { maxNewTokens: 8, temperature: 1, topK: 20, seed: 11 };
    const [s, p] = [await small.generate(prompt, sampled), await plain.generate(prompt, sampled)];
    expect(s.newTokens).toEqual(p.newTokens);
  });
});

describe("Gemma 2 fixture (final soft cap) with 8 KiB bindings: 21 logit rows of 96", async () => {
  const { tensors } = loadSafetensorsFile(`${hfFixture("gemma2")}/golden.safetensors`);
  const [batch, pos] = tensors.get("input_ids")!.shape;
  const flat = Array.from(tensors.get("input_ids")!.data as Float32Array);
  const ids = Array.from({ length: batch }, (_, b) => flat.slice(b * pos, (b + 1) * pos));
  const hf = tensors.get("logits")!.data as Float32Array; // transformers 4.44.2, f32
  const vocab = hf.length / (batch * pos);
  const capped = await Device.create({ maxBindingBytes: 8192 });
  const model = await loadModel(hfFixture("gemma2"), { processing: NO_PROCESSING, tokenizer: null, device: capped });

  test("logit rows, tokenLosses and greedy tokens equal transformers' run", async () => {
    expect(model.cfg.finalSoftcap).toBeGreaterThan(0);
    expect([batch, pos, vocab]).toEqual([2, 12, 96]); // [2, 12, 96] f32 = 9 KiB
    const rows = await model.logitRows(ids);
    expect(rows.blockRows).toBe(21);
    const got = await readBlocks(rows);
    rows.dispose();
    assertClose("gemma2 blocked logits", got, hf, 1e-4, 1e-4);
    assertClose("gemma2 losses", await model.tokenLosses(ids), hostLosses(hf, flat, batch, pos, vocab), 1e-4, 1e-4);
    const gen = tensors.get("generated")!.data as Float32Array;
    const n = gen.length / batch;
    for (let b = 0; b < batch; b++) {
      const r = await model.generate(ids[b], { maxNewTokens: n, temperature: 0 });
      expect(r.newTokens).toEqual(Array.from(gen.slice(b * n, (b + 1) * n)));
    }
  });
});

describe("forward past maxBufferSize", async () => {
  const real = (await getDevice()).gpu;
  // the same GPUDevice reporting a 1.25 MiB maxBufferSize, bindings capped at 512 KiB
  const limits = new Proxy(real.limits, {
    get: (t, k) => (k === "maxBufferSize" ? 1.25 * 2 ** 20 : Reflect.get(t, k)),
  });
  const gpu = new Proxy(real, {
    get: (t, k) => {
      const v = Reflect.get(t, k);
      return k === "limits" ? limits : typeof v === "function" ? v.bind(t) : v;
    },
  });
  const dev = await Device.create({ device: gpu, maxBindingBytes: 512 * 1024 });
  const model = await loadGpt2(bundledModelDir(), { device: dev });

  test("LimitError naming the blocked alternatives; logitRows and tokenLosses still run", async () => {
    const ids = tokenRows(4, 48, 5); // [4, 48, 2048] f32 = 1.5 MiB
    await expect(model.forward(ids)).rejects.toThrow(LimitError);
    await expect(model.forward(ids)).rejects.toThrow(/maxBufferSize .*logitRows.*tokenLosses/);
    const losses = await model.tokenLosses(ids);
    const plainModel = await loadGpt2(bundledModelDir());
    const ref = (await (await plainModel.forward(ids)).read()) as Float32Array;
    assertClose("losses past maxBufferSize", losses, hostLosses(ref, ids.flat(), 4, 48, V), 1e-5, 1e-5);
  });
});
