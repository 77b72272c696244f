// DivergenceGuard on hand-made readbacks: the energy bound, the running-median bound after warm-up, and which
// checkpoint counts as the last good one (only those a later passing readback confirmed).
import { describe, expect, test } from "bun:test";
import { DivergenceGuard, divergedMessage, EXPLOSION, WARM_UP } from "./divergence.ts";
import { DivergedError } from "./errors.ts";
import type { StepMetrics } from "./trainer.ts";

const at = (step: number, loss: number, mse = loss): StepMetrics => ({
  step,
  tokens: step * 64,
  lr: 1e-3,
  l1_coefficient: 0,
  loss,
  losses: { mse_loss: mse },
  l0: 8,
  dead_features: 0,
  dead_fraction: 0,
  peak_device_bytes: 0,
});

describe("DivergenceGuard", () => {
  test("an MSE over EXPLOSION x the activations' energy stops at once, without warm-up", () => {
    const g = new DivergenceGuard();
    g.input(new Float32Array([3, 4, 0, 0]), 2); // rows (3, 4) and (0, 0): energy (25 + 0) / 2 = 12.5
    g.check(at(1, 12.5 * EXPLOSION)); // at the bound: passes
    expect(() => g.check(at(2, 12.5 * EXPLOSION * 1.01))).toThrow(
      "mse_loss 1.263e+4 is over 1000x the activations' own energy 1.250e+1 (an all-zero output scores that) at step 2",
    );
  });

  test("after warm-up, a loss (or mse_loss) over EXPLOSION x its running median stops the run", () => {
    const g = new DivergenceGuard();
    const losses = [9, 8, 7, 6, 5, 4];
    losses.forEach((l, i) => g.check(at(i + 1, l)));
    expect(WARM_UP).toBeLessThanOrEqual(losses.length);
    g.check(at(7, 6.4 * EXPLOSION)); // median of 9..4 is 6.5: under 6500 passes (and joins the history: median 7)
    const e = (() => {
      try {
        g.check(at(8, 7.1 * EXPLOSION, 1));
      } catch (x) {
        return x as DivergedError;
      }
    })();
    expect(e).toBeInstanceOf(DivergedError);
    expect(e!.step).toBe(8);
    expect(e!.message).toMatch(/^loss exploded to 7\.100e\+3 \(over 1000x its running median 7\.000e\+0\) at step 8;/);
    // the same values before warm-up pass: no history to compare with
    const early = new DivergenceGuard();
    early.check(at(1, 1));
    early.check(at(2, 1e6));
  });

  test("a checkpoint is good only once a later readback passed; the message names it and the untrusted ones", () => {
    const g = new DivergenceGuard("/run/320");
    expect(g.good).toBe("/run/320");
    g.written("/run/384", 6);
    g.check(at(6, 1)); // the readback of step 6 measured step 5's weights: 384 not confirmed yet
    expect(g.good).toBe("/run/320");
    g.check(at(8, 1));
    expect(g.good).toBe("/run/384");
    g.written("/run/512", 8);
    const e = new DivergedError(10, "loss is NaN at step 10");
    expect(divergedMessage(e, g)).toBe(
      "training diverged: loss is NaN at step 10. Not trusted (written after the last loss that passed): /run/512. " +
        "The last good checkpoint is /run/384; nothing was saved for this step.",
    );
    g.written("/run/final_640", 10, true);
    expect(g.good).toBe("/run/final_640");
  });

  test("a resumed run's earlier readbacks count as history", () => {
    const g = new DivergenceGuard(
      null,
      [1, 2, 3, 4, 5].map((s) => at(s, 2)),
    );
    expect(() => g.check(at(6, 2 * EXPLOSION * 1.5))).toThrow(DivergedError);
  });
});
