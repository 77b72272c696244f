import { describe, expect, test } from "bun:test";
import { assertClose } from "@sae/tensor-core/testing";
import { ATOL, configOf, f32, RTOL, saeLensGoldens, scalarOf } from "../saelens_fixtures.ts";
import { cpuTrainStep } from "./reference.ts";

// float64 on the same float32 inputs as SAELens's float32 run: the SAELens tolerance (1e-5 abs + 1e-4 rel).
describe("cpu reference vs SAELens 6.18 training_forward_pass", () => {
  for (const c of saeLensGoldens().training_cases) {
    test(c.name, () => {
      const cfg = configOf(c.architecture, c.config);
      const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, Float64Array.from(f32(v))]));
      const { l1, l0 } = c.input.coefficients;
      const topkThreshold = c.buffers_before.topk_threshold ? scalarOf(c.buffers_before.topk_threshold) : undefined;
      const r = cpuTrainStep(cfg, params, f32(c.input.sae_in), c.input.sae_in.shape[0], { deadMask: f32(c.input.dead_neuron_mask), topkThreshold, l1Coefficient: l1, l0Coefficient: l0 });
      const o = c.output;
      assertClose(`${c.name} feature_acts`, r.featureActs, f32(o.feature_acts), RTOL, ATOL);
      assertClose(`${c.name} hidden_pre`, r.hiddenPre, f32(o.hidden_pre), RTOL, ATOL);
      assertClose(`${c.name} sae_out`, r.saeOut, f32(o.sae_out), RTOL, ATOL);
      expect(Object.keys(r.losses).sort()).toEqual(Object.keys(o.losses).sort());
      for (const [k, v] of Object.entries(o.losses)) assertClose(`${c.name} ${k}`, [r.losses[k]], [v], RTOL, ATOL);
      assertClose(`${c.name} loss`, [r.loss], [o.loss], RTOL, ATOL);
      for (const [k, g] of Object.entries(c.grads)) assertClose(`${c.name} grad.${k}`, r.grads[k], g ? f32(g) : new Float32Array(r.grads[k].length), RTOL, ATOL);
      if (o.buffers_after.topk_threshold) assertClose("topk_threshold", [r.topkThreshold ?? NaN], [scalarOf(o.buffers_after.topk_threshold)], RTOL, 1e-7);
    });
  }
});
