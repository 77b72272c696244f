// Every architecture's GPU forward values, loss terms and parameter gradients against PyTorch autograd goldens
// (scripts/make_fixtures.py: batch 37, d_in 29, d_sae 83, k 5). fp32 on the GPU vs float64 in PyTorch.
import { describe, expect, test } from "bun:test";
import { assertClose, getDevice, Tensor } from "@sae/tensor-core";
import { ARCHITECTURE_NAMES } from "../config.ts";
import { Sae } from "../sae.ts";
import { loadGolden } from "../test_fixtures.ts";

const RTOL = 2e-4;
const ATOL = 2e-4;

describe("architectures vs PyTorch autograd", () => {
  for (const arch of ARCHITECTURE_NAMES) {
    test(arch, async () => {
      const device = await getDevice();
      const g = loadGolden(arch);
      const sae = Sae.fromHost(device, g.cfg, Object.fromEntries(g.paramNames.map((n) => [n, g.get(n)])));
      if (arch === "batchtopk") sae.topkThreshold = 0.1;
      const x = Tensor.from(device, [g.batch, g.cfg.d_in], g.get("x"));
      const deadMask = g.t.has("dead_mask") ? g.get("dead_mask") : undefined;
      const out = await sae.trainForward(x, { deadMask });
      assertClose(`${arch} feature_acts`, await out.featureActs.read(), g.get("feature_acts"), RTOL, ATOL);
      assertClose(`${arch} hidden_pre`, await out.hiddenPre.read(), g.get("hidden_pre"), RTOL, ATOL);
      assertClose(`${arch} sae_out`, await out.saeOut.read(), g.get("sae_out"), RTOL, ATOL);
      expect(Object.keys(out.losses).sort()).toEqual(Object.keys(out.losses).filter((k) => g.t.has(k)).sort());
      for (const [name, t] of Object.entries(out.losses)) assertClose(`${arch} ${name}`, await t.read(), g.get(name), 1e-5, 1e-4);
      assertClose(`${arch} loss`, await out.loss.read(), g.get("loss"), 1e-5, 1e-4);
      const grads = sae.backward();
      expect(Object.keys(grads).sort()).toEqual([...g.paramNames].sort());
      for (const n of g.paramNames) assertClose(`${arch} grad.${n}`, await grads[n].read(), g.get(`grad.${n}`), RTOL, ATOL);
      if (arch === "batchtopk") assertClose("topk_threshold", [sae.topkThreshold ?? NaN], g.get("topk_threshold"), 1e-6, 1e-7);
      for (const t of Object.values(grads)) t.dispose();
      sae.dispose();
      x.dispose();
    });
  }
});
