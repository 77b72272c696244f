// Matryoshka's inner reconstructions through the pairs of a BatchTopK step in row blocks (batchtopk/blocks.ts): for
// each width w in matryoshka_widths but the last, inner = sum over pairs with latent < w of value * W_dec[latent]
// + b_dec and inner_mse_loss_<w> its MSE, as family/family.ts computes them from dense f0[:, :w]. The backward adds
// each level's W_dec and b_dec gradients and its d loss / d values (where the pair is kept and under w). With pair
// rows (pair_rows.ts) the prefix is per pair (latent < w), so a loud row split over rows keeps its nested prefixes.
import { embedding, mul, saeActBackward, saeAxpby, sparseDecodeBackward, Tensor } from "@sae/tensor-core";
import type { SaeModel } from "../contract.ts";
import type { PairTerms } from "../pairs.ts";
import { decodeRows, expandRows, plainRows, type PairRows } from "../pair_rows.ts";
import { addColSum, disposeAll, mse } from "../common.ts";

/** values [P, k] (decoded; 0 where unused) at indices [P, k] i32 (-1 where unused), pair rows `rows`. */
export function pairLevels(m: SaeModel, values: Tensor, indices: Tensor, x: Tensor, widths: number[],
  rows: PairRows = plainRows(x.shape[0])): PairTerms {
  const d_sae = m.cfg.d_sae;
  const levels = widths.slice(0, -1).map((w) => {
    const prefix = Tensor.from(m.device, [d_sae, 1], new Float32Array(d_sae).fill(1, 0, w), `matryoshka mask ${w}`);
    const under = embedding(prefix, indices).reshape(values.shape); // [batch, k] 1 where latent < w (0 for -1)
    prefix.dispose();
    const vw = mul(values, under); // [batch, k]
    under.dispose();
    const inner = decodeRows(rows, vw, indices, m.params.W_dec, m.params.b_dec); // [batch, d_in]
    const { loss, grad } = mse(m, inner, x);
    inner.dispose();
    return { w, vw, loss, grad };
  });
  return {
    losses: Object.fromEntries(levels.map((l) => [`inner_mse_loss_${l.w}`, l.loss])),
    backward(grads, gV, lists) {
      let g = gV;
      for (const l of levels) {
        const gRows = expandRows(rows, l.grad); // [P, d_in]
        const opts = { gradWdec: grads.W_dec, lists };
        const { gradValues } = sparseDecodeBackward(gRows, l.vw, indices, m.params.W_dec, opts);
        if (gRows !== l.grad) gRows.dispose();
        addColSum(l.grad, grads.b_dec);
        const kept = saeActBackward("mask", gradValues, l.vw); // where the pair is kept and under w
        const next = saeAxpby(g, kept, null, 1, 1, 0);
        disposeAll([gradValues, kept, g]);
        g = next;
      }
      return g;
    },
    dispose: () => {
      for (const l of levels) disposeAll([l.vw, l.loss, l.grad]);
    },
  };
}
