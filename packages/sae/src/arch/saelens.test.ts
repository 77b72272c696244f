// Every architecture's training forward (feature_acts, hidden_pre, sae_out, each loss term, the total), every
// parameter gradient and the BatchTopK threshold update against SAELens 6.18's own training_forward_pass +
// loss.backward() (fixtures/saelens/training.json, scripts/saelens_goldens.py), within 1e-5 abs + 1e-4 rel.
import { describe, expect, test } from "bun:test";
import { getDevice, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { Sae } from "../sae.ts";
import { ATOL, configOf, f32, paramsOf, RTOL, saeLensGoldens, scalarOf } from "../saelens_fixtures.ts";

describe("training SAEs vs SAELens 6.18 training_forward_pass", () => {
  for (const c of saeLensGoldens().training_cases) {
    test(c.name, async () => {
      const device = await getDevice();
      const sae = Sae.fromHost(device, configOf(c.architecture, c.config), paramsOf(c.params));
      if (c.buffers_before.topk_threshold) sae.topkThreshold = scalarOf(c.buffers_before.topk_threshold);
      const x = Tensor.from(device, c.input.sae_in.shape, f32(c.input.sae_in));
      const { l1, l0 } = c.input.coefficients;
      const out = await sae.trainForward(x, { deadMask: f32(c.input.dead_neuron_mask), l1Coefficient: l1, l0Coefficient: l0 });
      const o = c.output;
      assertClose(`${c.name} feature_acts`, await out.featureActs.read(), f32(o.feature_acts), RTOL, ATOL);
      assertClose(`${c.name} hidden_pre`, await out.hiddenPre.read(), f32(o.hidden_pre), RTOL, ATOL);
      assertClose(`${c.name} sae_out`, await out.saeOut.read(), f32(o.sae_out), RTOL, ATOL);
      expect(Object.keys(out.losses).sort()).toEqual(Object.keys(o.losses).sort());
      for (const [k, v] of Object.entries(o.losses)) assertClose(`${c.name} ${k}`, await out.losses[k].read(), [v], RTOL, ATOL);
      assertClose(`${c.name} loss`, await out.loss.read(), [o.loss], RTOL, ATOL);
      const grads = sae.backward();
      expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
      for (const [k, g] of Object.entries(c.grads)) {
        assertClose(`${c.name} grad.${k}`, await grads[k].read(), g ? f32(g) : new Float32Array(grads[k].size), RTOL, ATOL);
      }
      if (o.buffers_after.topk_threshold) {
        assertClose(`${c.name} topk_threshold`, [sae.topkThreshold ?? NaN], [scalarOf(o.buffers_after.topk_threshold)], RTOL, 1e-7);
      }
      for (const g of Object.values(grads)) g.dispose();
      sae.dispose();
      x.dispose();
    });
  }
});
