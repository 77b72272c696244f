// Inference encode split at SAELens's `hook_sae_acts_pre`: the pre-activation (hidden_pre) of the centred input,
// then the architecture's activation applied to a (possibly edited) pre-activation. Sae.encode keeps using each
// architecture's fused encode; this path is for the spliced hook points and `encodeWithPre`.
//   standard, topk, batchtopk, matryoshka_batchtopk, jumprelu: pre = sae_in W_enc + b_enc (the TopK family with
//          rescale_acts_by_decoder_norm multiplies by ||W_dec[i]|| after the hook, as SAELens's TopKSAE.encode)
//   gated: pre = sae_in (W_enc * exp(r_mag)) + b_mag (the magnitude path); the gate sae_in W_enc + b_gate is
//          recomputed from sae_in, so editing pre changes magnitudes only (as in SAELens's GatedSAE.encode)
import { matmul, saeActivation, type Tensor } from "@sae/tensor-core";
import type { SaeModel } from "./arch/contract.ts";
import { disposeAll } from "./arch/common.ts";
import { topkActs } from "./arch/topk.ts";
import { thresholdActs } from "./arch/batchtopk.ts";
import { scores } from "./arch/topk_family.ts";
import { SaeConfigError } from "./errors.ts";

/** hidden_pre [n, d_sae] of sae_in [n, d_in]. */
export function hiddenPre(m: SaeModel, saeIn: Tensor): Tensor {
  const p = m.params;
  if (m.cfg.architecture !== "gated") return matmul(saeIn, p.W_enc, { bias: p.b_enc });
  const h = matmul(saeIn, p.W_enc);
  const mag = saeActivation("gatedMag", h, { v1: p.b_mag, v2: p.r_mag });
  h.dispose();
  return mag;
}

/** Feature activations [n, d_sae] from hidden_pre (and sae_in, which the gated gate needs). */
export function activate(m: SaeModel, pre: Tensor, saeIn: Tensor): Tensor {
  const p = m.params;
  const arch = m.cfg.architecture;
  switch (arch) {
    case "standard":
      return saeActivation("relu", pre);
    case "jumprelu":
      return saeActivation("jumprelu", pre, { v1: p.log_threshold });
    case "topk": {
      const { hp, norms } = scores(m, pre);
      const { f, values, indices } = topkActs(hp, m.cfg.k as number);
      disposeAll([values, indices, norms, hp === pre ? null : hp]);
      return f;
    }
    case "batchtopk":
    case "matryoshka_batchtopk": {
      if (m.topkThreshold === null) throw new SaeConfigError(`${arch} SAE: the acts_pre hook point needs a trained topk_threshold (this SAE has none)`);
      const { hp, norms } = scores(m, pre);
      const f = thresholdActs(hp, m.topkThreshold);
      disposeAll([norms, hp === pre ? null : hp]);
      return f;
    }
    case "gated": {
      const h = matmul(saeIn, p.W_enc);
      const gate = saeActivation("reluBias", h, { v1: p.b_gate });
      const f = saeActivation("gatedF", pre, { b: gate });
      disposeAll([h, gate]);
      return f;
    }
    default:
      throw new SaeConfigError(`no acts_pre split for architecture '${arch satisfies never}'`);
  }
}
