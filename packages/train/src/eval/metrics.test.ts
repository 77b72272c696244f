import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertClose } from "@sae/tensor-core";
import { ceLossScore, crossEntropyPerToken, densityMetrics, histogram, klDivPerToken, klDivScore, mean, ReconstructionAccumulator } from "./metrics.ts";

const fx = JSON.parse(readFileSync(join(import.meta.dir, "../../fixtures/eval_metrics.json"), "utf8"));
const E = fx.expected;
const { n, d_in, d_sae, batch, pos, vocab } = fx.shape;

describe("metrics vs PyTorch (SAELens definitions)", () => {
  test("reconstruction and sparsity, streamed in uneven batches", () => {
    const acc = new ReconstructionAccumulator(d_in, d_sae);
    for (const [a, b] of [[0, 10], [10, 11], [11, n]]) {
      acc.add(fx.x.slice(a * d_in, b * d_in), fx.x_hat.slice(a * d_in, b * d_in), fx.f.slice(a * d_sae, b * d_sae), b - a);
    }
    const m = acc.finish();
    expect(m.tokens).toBe(n);
    for (const k of ["l0", "l1", "mse", "explained_variance", "cossim", "l2_ratio"] as const) assertClose(k, [m[k]], [E[k]], 1e-9, 1e-12);
    const dm = densityMetrics(acc.fireCounts, n);
    assertClose("dead_fraction", [dm.dead_fraction], [E.dead_fraction], 0, 1e-12);
    assertClose("dense_fraction", [dm.dense_fraction], [E.dense_fraction], 0, 1e-12);
    assertClose("log_density", dm.log_density, E.log_density, 1e-9, 1e-9);
    expect(dm.histogram.counts.reduce((s, c) => s + c, 0)).toBe(d_sae);
  });

  test("cross-entropy, CE loss score, KL", () => {
    const ceC = crossEntropyPerToken(fx.logits_clean, fx.tokens, batch, pos, vocab);
    assertClose("ce per token", ceC, E.ce_clean_per_token, 1e-9, 1e-12);
    const ceS = mean(crossEntropyPerToken(fx.logits_sae, fx.tokens, batch, pos, vocab));
    const ceZ = mean(crossEntropyPerToken(fx.logits_zero, fx.tokens, batch, pos, vocab));
    assertClose("ce with sae", [ceS], [E.ce_loss_with_sae], 1e-9, 1e-12);
    assertClose("ce score", [ceLossScore(mean(ceC), ceS, ceZ)], [E.ce_loss_score], 1e-9, 1e-12);
    const klS = mean(klDivPerToken(fx.logits_clean, fx.logits_sae, batch * pos, vocab));
    const klZ = mean(klDivPerToken(fx.logits_clean, fx.logits_zero, batch * pos, vocab));
    assertClose("kl sae", [klS], [E.kl_div_with_sae], 1e-9, 1e-12);
    assertClose("kl ablation", [klZ], [E.kl_div_with_ablation], 1e-9, 1e-12);
    assertClose("kl score", [klDivScore(klS, klZ)], [E.kl_div_score], 1e-9, 1e-12);
  });

  test("hand-computed small cases", () => {
    // x = [[1,0],[3,0]], x_hat = [[1,0],[2,0]]: mean x = [2,0]; total SS = 1 + 1 = 2; resid SS = 1 -> EV 0.5; mse = 1/4
    const acc = new ReconstructionAccumulator(2, 3);
    acc.add([1, 0, 3, 0], [1, 0, 2, 0], [0, 2, 0, 1, 1, 0], 2);
    const m = acc.finish();
    expect([m.l0, m.l1, m.mse, m.explained_variance, m.cossim]).toEqual([1.5, 2, 0.25, 0.5, 1]);
    expect(ceLossScore(2, 3, 4)).toBe(0.5);
    expect(histogram([-10, -0.01, -5, 3], 2, -10, 0).counts).toEqual([1, 3]);
    // identical logits: KL 0; uniform vs one-hot-ish: KL(p||q) = log(V) - H(p)
    expect(klDivPerToken([1, 2, 3], [1, 2, 3], 1, 3)[0]).toBeCloseTo(0, 12);
    expect(crossEntropyPerToken([0, 0, 0, 0, 0, 0], [0, 1], 1, 2, 3)[0]).toBeCloseTo(Math.log(3), 12);
  });
});
