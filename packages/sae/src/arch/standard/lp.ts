// The standard SAE's sparsity term for lp_norm = 2 (SAELens 6.18 standard_sae.py: (l1 * ||f_b ||W_dec|| ||_p).mean):
// loss = c sum_b r_b with w = f * ||W_dec|| [batch, d_sae] and r_b = ||w_b||_2 (c = l1 / batch). Gradients:
// d/df_bi = c w_bi ||W_dec[i]|| / r_b and, through the norms, W_dec[i] += c (sum_b f_bi w_bi / r_b) W_dec[i] /
// ||W_dec[i]|| (a row with r_b = 0 gives 0, as torch's norm backward does). Other p are refused.
import { add, affine, div, mul, relu, rowL2, saeDot, saeRowScale, type Tensor } from "@sae/tensor-core";
import type { SaeModel, SaeParams } from "../contract.ts";
import { colSum, disposeAll } from "../common.ts";
import { SaeConfigError } from "../../errors.ts";

export interface LpPenalty {
  loss: Tensor; // [1]
  /** gF + d loss / d f (a new tensor); adds the W_dec gradient through the norms into grads.W_dec. */
  backward(gF: Tensor, grads: SaeParams): Tensor;
  dispose(): void;
}

export function lpPenalty(m: SaeModel, f: Tensor, norms: Tensor, c: number): LpPenalty {
  if (m.cfg.lp_norm !== 2) {
    throw new SaeConfigError(`standard SAE: lp_norm ${m.cfg.lp_norm} is not implemented (1 and 2 are)`);
  }
  const w = mul(f, norms); // [batch, d_sae]
  const r = rowL2(w); // [batch]
  const loss = saeDot(r, r, c, "sum");
  // u = w / max(r, 1e-30): zero rows stay zero
  const shifted = affine(r, 1, -1e-30);
  const clipped = relu(shifted);
  const safe = affine(clipped, 1, 1e-30);
  const u = div(w, safe.reshape([r.shape[0], 1]));
  disposeAll([shifted, clipped, safe]);
  return {
    loss,
    backward(gF, grads) {
      const un = mul(u, norms);
      const g = affine(un, c, 0);
      const out = add(gF, g);
      const fu = mul(f, u);
      const s = colSum(fu); // [d_sae] sum_b f_bi w_bi / r_b
      saeRowScale("penaltyGrad", grads.W_dec, norms, m.params.W_dec, s, c);
      disposeAll([un, g, fu, s]);
      return out;
    },
    dispose: () => disposeAll([w, r, loss, u]),
  };
}
