import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertClose } from "@sae/tensor-core/testing";
import { ceLossScore, crossEntropyPerToken, histogram, klDivPerToken, klDivScore, mean, ReconstructionAccumulator } from "./metrics.ts";

const fx = JSON.parse(readFileSync(join(import.meta.dir, "../../fixtures/eval_metrics.json"), "utf8"));
const E = fx.expected;
const { batch, pos, vocab } = fx.shape;

// Reconstruction metrics are checked against SAELens itself in evaluate.test.ts; here the downstream maths against
// PyTorch (fixtures/eval_metrics.json) and hand-computed cases of SAELens's reductions.
describe("metrics vs PyTorch", () => {
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
    // x = [[1,0],[3,0]], x_hat = [[1,0],[2,0]], one prompt of 2 tokens: r = [0, 1]; mse = mean(r / 2) = 0.25;
    // SAELens EV: mean ||x||^2 = 5, mean over dims of mean x^2 = 2.5 -> total 5 - 2.5^2 = -1.25, 1 - 0.5 / -1.25 = 1.4;
    // legacy: 1 - r_t / ||x_t - [2,0]||^2 = [1, 0] -> 0.5; textbook 1 - 1 / 2 = 0.5; relative bias (5/2) / (7/2)
    const acc = new ReconstructionAccumulator(2, 3);
    acc.add([1, 0, 3, 0], [1, 0, 2, 0], [0, 2, 0, 1, 1, 0], [1, 1], 1, 2);
    const m = acc.finish();
    expect([m.l0, m.l1, m.mse, m.explained_variance_legacy, m.explained_variance_textbook, m.cossim]).toEqual([1.5, 2, 0.25, 0.5, 0.5, 1]);
    expect(m.explained_variance).toBeCloseTo(1.4, 12);
    expect(m.relative_reconstruction_bias).toBeCloseTo(5 / 7, 12);
    expect([m.l2_norm_in, m.l2_norm_out, m.l2_ratio]).toEqual([2, 1.5, (1 + 2 / 3) / 2]);
    // a special token (keep 0) is left out of everything, and a second batch averages per batch
    const acc2 = new ReconstructionAccumulator(2, 3);
    acc2.add([1, 0, 9, 9, 3, 0], [1, 0, 0, 0, 2, 0], [0, 2, 0, 5, 5, 5, 1, 1, 0], [1, 0, 1], 1, 3);
    const m2 = acc2.finish();
    expect([m2.tokens, m2.l0, m2.mse, m2.explained_variance_legacy]).toEqual([2, 1.5, 0.25, 0.5]);
    expect(acc2.featureMetrics()).toEqual({ feature_density: [0.5, 1, 0], consistent_activation_heuristic: [1, 2, NaN] });
    expect(ceLossScore(2, 3, 4)).toBe(0.5);
    expect(histogram([-10, -0.01, -5, 3], 2, -10, 0).counts).toEqual([1, 3]);
    // identical logits: KL 0; uniform vs one-hot-ish: KL(p||q) = log(V) - H(p)
    expect(klDivPerToken([1, 2, 3], [1, 2, 3], 1, 3)[0]).toBeCloseTo(0, 12);
    expect(crossEntropyPerToken([0, 0, 0, 0, 0, 0], [0, 1], 1, 2, 3)[0]).toBeCloseTo(Math.log(3), 12);
  });
});
