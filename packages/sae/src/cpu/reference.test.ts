import { describe, test } from "bun:test";
import { assertClose } from "@sae/tensor-core";
import { ARCHITECTURE_NAMES } from "../config.ts";
import { loadGolden } from "../test_fixtures.ts";
import { cpuTrainStep } from "./reference.ts";

// float64 on the same float32 inputs as PyTorch's float64 run: only storage rounding differs.
const RTOL = 1e-5;
const ATOL = 1e-5;

describe("cpu reference vs PyTorch autograd", () => {
  for (const arch of ARCHITECTURE_NAMES) {
    test(arch, () => {
      const g = loadGolden(arch);
      const params = Object.fromEntries(g.paramNames.map((n) => [n, g.f64(n)]));
      const deadMask = g.t.has("dead_mask") ? g.get("dead_mask") : undefined;
      const r = cpuTrainStep(g.cfg, params, g.get("x"), g.batch, { deadMask, topkThreshold: 0.1 });
      assertClose(`${arch} feature_acts`, r.featureActs, g.get("feature_acts"), RTOL, ATOL);
      assertClose(`${arch} sae_out`, r.saeOut, g.get("sae_out"), RTOL, ATOL);
      for (const [name, v] of Object.entries(r.losses)) assertClose(`${arch} ${name}`, [v], g.get(name), RTOL, ATOL);
      assertClose(`${arch} loss`, [r.loss], g.get("loss"), RTOL, ATOL);
      for (const n of g.paramNames) assertClose(`${arch} grad.${n}`, r.grads[n], g.get(`grad.${n}`), RTOL, ATOL);
      if (arch === "batchtopk") assertClose("topk_threshold", [r.topkThreshold ?? NaN], g.get("topk_threshold"), 1e-6, 1e-7);
    });
  }
});
