// Analysis functions on the tiny fake model/SAE, each checked against a plain CPU computation from the fakes'
// host weights (brute-force sorts, direct sums), plus the feature-data file round trip.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LimitError, Rng, getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { FeatureCollector } from "./collect.ts";
import { topFeaturesPerToken } from "./encode.ts";
import { FakeModel, FakeSae } from "./fakes.ts";
import { collectFeatureData, sequencesFromText } from "./feature_data.ts";
import { openFeatureData, writeFeatureData } from "./feature_file.ts";
import { featureLogitEffects, promptLogitAttribution } from "./logits.ts";
import { neuronpediaUrl, resJbNeuronpediaId } from "./neuronpedia.ts";
import { TopHeap, topOfRow } from "./topn.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 11 });
const sae = new FakeSae(device, { seed: 12, d_sae: 20, neuronpedia_id: "gpt2-small/8-res-jb" });

/** Indices sorted by value descending, ties by index: the reference for every selection. */
function order(vals: ArrayLike<number>): number[] {
  return Array.from({ length: vals.length }, (_, i) => i).sort((a, b) => vals[b] - vals[a] || a - b);
}

describe("selection helpers", () => {
  test("topOfRow and TopHeap match a full sort", () => {
    const rng = new Rng(3);
    for (const n of [1, 7, 100]) {
      const row = Float32Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 2 + 0); // ties on purpose (+0: no -0)
      for (const k of [0, 1, 5, 200]) {
        const want = order(row).filter((i) => row[i] > 0).slice(0, k);
        expect(topOfRow(row, 0, n, k).map((f) => f.index)).toEqual(want);
        const heap = new TopHeap<{ value: number; i: number }>(k);
        row.forEach((value, i) => heap.offer(value, () => ({ value, i })));
        expect(heap.sorted().map((x) => x.value)).toEqual(order(row).slice(0, k).map((i) => row[i]));
      }
    }
  });
});

describe("top features per token", () => {
  test("values and order equal the CPU encoder's", async () => {
    const r = await topFeaturesPerToken(model, sae, "the cat sat on the mat", { top: 3 });
    expect(r.tokens).toEqual(["<bos>", " the", " cat", " sat", " on", " the", " mat"]);
    const f = sae.encodeHost(model.residual([r.ids]));
    const d = sae.cfg.d_sae;
    r.features.forEach((got, p) => {
      const row = f.subarray(p * d, (p + 1) * d);
      const want = order(row).filter((i) => row[i] > 0).slice(0, 3);
      expect(got.map((g) => g.index)).toEqual(want);
      assertClose(`pos ${p}`, got.map((g) => g.value), want.map((i) => row[i]), 1e-5, 1e-5);
    });
  });
});

describe("feature collector", () => {
  test("top examples, windows, density, buckets and histogram match brute force", () => {
    const rng = new Rng(5);
    const d = 6;
    const B = 9;
    const P = 11;
    const ids = Array.from({ length: B }, () => Array.from({ length: P }, () => rng.int(50)));
    const acts = Float32Array.from({ length: B * P * d }, () => (rng.next() < 0.3 ? rng.next() * 5 : 0));
    const c = new FeatureCollector(d, { topN: 4, before: 2, after: 1, buckets: 3, perBucket: 2, histogramBins: 5, histogramSamples: 1000, skipFirstPosition: true });
    c.add(ids.slice(0, 4), acts.subarray(0, 4 * P * d));
    c.add(ids.slice(4), acts.subarray(4 * P * d));
    const stats = c.finish();
    expect(c.tokens).toBe(B * (P - 1));
    for (let i = 0; i < d; i++) {
      const all: { seq: number; pos: number; v: number }[] = [];
      for (let b = 0; b < B; b++) for (let p = 1; p < P; p++) if (acts[(b * P + p) * d + i] > 0) all.push({ seq: b, pos: p, v: acts[(b * P + p) * d + i] });
      const s = stats[i];
      expect(s.nActive).toBe(all.length);
      expect(s.density).toBeCloseTo(all.length / (B * (P - 1)), 12);
      expect(s.maxAct).toBe(Math.max(...all.map((a) => a.v)));
      expect(s.top.map((e) => e.value)).toEqual(all.map((a) => a.v).sort((x, y) => y - x).slice(0, 4));
      for (const e of s.top) {
        const w0 = Math.max(0, e.pos - 2);
        expect(e.tokens).toEqual(ids[e.seq].slice(w0, Math.min(P, e.pos + 2)));
        expect(e.acts).toEqual(e.tokens.map((_, j) => acts[(e.seq * P + w0 + j) * d + i]));
        expect(e.acts[e.center]).toBe(e.value);
      }
      const shown = s.buckets.flatMap((b) => b.examples);
      expect(shown.length).toBe(Math.min(6, all.length));
      for (const e of shown) expect(all.some((a) => a.seq === e.seq && a.pos === e.pos && a.v === e.value)).toBe(true);
      for (let k = 1; k < s.buckets.length; k++) expect(s.buckets[k].hi).toBeLessThanOrEqual(s.buckets[k - 1].lo);
      // Fewer activations than histogramSamples: the histogram is exact.
      const want = new Array(5).fill(0);
      for (const a of all) want[Math.min(4, Math.floor((a.v / s.maxAct) * 5))]++;
      expect(s.histogram.counts).toEqual(want);
    }
  });

  test("a batch with the wrong number of values is a typed error", () => {
    expect(() => new FeatureCollector(3).add([[1, 2]], new Float32Array(5))).toThrow(LimitError);
  });
});

describe("feature data file", () => {
  test("collect over a corpus, write, read back one feature", async () => {
    const text = "the cat sat on the mat and the dog ran to a red house . ".repeat(6);
    const seqs = sequencesFromText(model, text, 8);
    expect(seqs.every((s) => s.length === 8 && s[0] === 0)).toBe(true);
    const data = await collectFeatureData(model, sae, seqs, { batchSize: 3, topN: 5, topLogits: 3 });
    expect(data.meta.n_tokens).toBe(seqs.length * 7);
    const f = sae.encodeHost(model.residual(seqs));
    const d = sae.cfg.d_sae;
    const i = order(data.features.map((r) => r.nActive))[0];
    let count = 0;
    const vals: number[] = [];
    for (let r = 0; r < seqs.length * 8; r++) if (r % 8 !== 0 && f[r * d + i] > 0) (count++, vals.push(f[r * d + i]));
    expect(data.features[i].nActive).toBe(count);
    assertClose("top values", data.features[i].top.map((e) => e.value), vals.sort((a, b) => b - a).slice(0, 5), 1e-5, 1e-5);
    expect(data.features[i].neuronpedia).toBe(`https://www.neuronpedia.org/gpt2-small/8-res-jb/${i}`);
    const dir = mkdtempSync(join(tmpdir(), "sae-fd-"));
    try {
      await writeFeatureData(dir, data);
      const src = await openFeatureData(dir);
      expect(src.meta.d_sae).toBe(d);
      expect(src.vocab).toEqual(model.vocab);
      for (const j of [0, i, d - 1]) {
        const back = await src.get(j);
        expect(back.index).toBe(j);
        expect(back.top.map((e) => e.tokens)).toEqual(data.features[j].top.map((e) => e.tokens));
        assertClose("rounded acts", back.top.flatMap((e) => e.acts), data.features[j].top.flatMap((e) => e.acts), 1e-3, 1e-6);
        expect(back.logits?.promoted.map((t) => t.token)).toEqual(data.features[j].logits?.promoted.map((t) => t.token));
      }
      await expect(src.get(d)).rejects.toThrow(LimitError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("logit attribution", () => {
  test("promoted/suppressed tokens equal a sort of W_dec[i] @ W_U", () => {
    const { d_in, d_sae } = sae.cfg;
    const V = model.vocabSize;
    const W_dec = { shape: [d_sae, d_in], dtype: "f32" as const, data: sae.W_dec_host };
    const W_U = { shape: [d_in, V], dtype: "f32" as const, data: model.W_U };
    const effects = featureLogitEffects(W_dec, W_U, [0, 7, 19], 4, (ids) => model.idsToStrings(ids));
    for (const e of effects) {
      const row = Array.from({ length: V }, (_, v) => {
        let s = 0;
        for (let d = 0; d < d_in; d++) s += sae.W_dec_host[e.index * d_in + d] * model.W_U[d * V + v];
        return s;
      });
      expect(e.promoted.map((t) => t.token)).toEqual(order(row).slice(0, 4));
      expect(e.suppressed.map((t) => t.token)).toEqual(order(row.map((x) => -x)).slice(0, 4));
      assertClose("values", e.promoted.map((t) => t.value), order(row).slice(0, 4).map((v) => row[v]), 1e-6, 1e-6);
      expect(e.promoted[0].str).toBe(model.vocab[e.promoted[0].token]);
    }
  });

  test("per-prompt contributions: act * W_dec[i] @ W_U[:, target]", async () => {
    const r = await promptLogitAttribution(model, sae, "the dog ran to the", " house");
    expect(r.target.token).toBe(model.vocab.indexOf(" house"));
    const { d_in, d_sae } = sae.cfg;
    const V = model.vocabSize;
    const f = sae.encodeHost(model.residual([r.ids])).subarray(r.pos * d_sae, (r.pos + 1) * d_sae);
    const want = new Map<number, number>();
    for (let i = 0; i < d_sae; i++) if (f[i] > 0) {
      let s = 0;
      for (let d = 0; d < d_in; d++) s += sae.W_dec_host[i * d_in + d] * model.W_U[d * V + r.target.token];
      want.set(i, f[i] * s);
    }
    expect(r.contributions.map((c) => c.index).sort((a, b) => a - b)).toEqual([...want.keys()]);
    for (const c of r.contributions) expect(c.contribution).toBeCloseTo(want.get(c.index)!, 4);
    for (let k = 1; k < r.contributions.length; k++) expect(Math.abs(r.contributions[k].contribution)).toBeLessThanOrEqual(Math.abs(r.contributions[k - 1].contribution));
    expect(r.target.value).toBeCloseTo([...want.values()].reduce((a, b) => a + b, 0), 4);
    await expect(promptLogitAttribution(model, sae, "the", " red house")).rejects.toThrow(/2 tokens/);
  });
});

describe("neuronpedia", () => {
  test("ids and links", () => {
    expect(neuronpediaUrl("gpt2-small/8-res-jb", 1234)).toBe("https://www.neuronpedia.org/gpt2-small/8-res-jb/1234");
    expect(resJbNeuronpediaId("blocks.8.hook_resid_pre")).toBe("gpt2-small/8-res-jb");
    expect(resJbNeuronpediaId("blocks.11.hook_resid_post")).toBe("gpt2-small/12-res-jb");
    expect(() => neuronpediaUrl("no-slash", 1)).toThrow(LimitError);
    expect(() => neuronpediaUrl("gpt2-small/8-res-jb", -1)).toThrow(LimitError);
  });
});
