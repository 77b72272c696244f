// Inference encode split at SAELens's `hook_sae_acts_pre`: the pre-activation (hidden_pre) of the centred input,
// then the architecture's activation applied to a (possibly edited) pre-activation (Architecture.hiddenPre and
// activate, in each arch/<name>/). Sae.encode keeps using each architecture's fused encode; this path is for the
// spliced hook points and `encodeWithPre`. Default hidden_pre: sae_in W_enc + b_enc (the TopK family with
// rescale_acts_by_decoder_norm multiplies by ||W_dec[i]|| after the hook, as SAELens's TopKSAE.encode); gated's is
// its magnitude path.
import { matmul, type Tensor } from "@sae/tensor-core";
import type { SaeModel } from "./arch/contract.ts";
import { architecture } from "./arch/registry.ts";

/** hidden_pre [n, d_sae] of sae_in [n, d_in]. */
export function hiddenPre(m: SaeModel, saeIn: Tensor): Tensor {
  const arch = architecture(m.cfg.architecture);
  return arch.hiddenPre ? arch.hiddenPre(m, saeIn) : matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc });
}

/** Feature activations [n, d_sae] from hidden_pre (and sae_in, which the gated gate needs). */
export function activate(m: SaeModel, pre: Tensor, saeIn: Tensor): Tensor {
  return architecture(m.cfg.architecture).activate(m, pre, saeIn);
}
