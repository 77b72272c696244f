// JumpReLU's optional loss terms (SAELens 6.18 jumprelu_sae.py), on the dense step:
// - tanh sparsity (jumprelu_sparsity_loss_mode "tanh"): l0 = c sum_b sum_i tanh(s f_bi ||W_dec[i]||), c = l0 / batch,
//   s = jumprelu_tanh_scale; its gradient reaches f (then pre and the threshold through the JumpReLU) and W_dec
//   through the norms. (The "step" mode is fused into the jumpGrad kernel.)
// - pre_act_loss (pre_act_loss_coefficient q, Anthropic): (q / batch) sum_b sum_i ReLU(t_i - pre_bi) dead_i
//   ||W_dec[i]||, straight into pre, the threshold and W_dec; 0 when no latent is dead.
import { add, affine, exp, fill, mul, relu, saeActBackward, saeAxpby, saeDot, saeRowScale, sub, tanh, Tensor } from
  "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext } from "../contract.ts";
import { colSum, disposeAll } from "../common.ts";

export interface TanhTerm {
  loss: Tensor; // [1]
  /** gF + d l0 / d f (new tensor); adds the norms' W_dec gradient into grads.W_dec. */
  backward(gF: Tensor, grads: SaeParams): Tensor;
  dispose(): void;
}

export function tanhTerm(m: SaeModel, f: Tensor, norms: Tensor, c: number): TanhTerm {
  const s = m.cfg.jumprelu_tanh_scale;
  const wn = mul(f, norms); // [batch, d_sae]
  const th = tanh(wn, s);
  const loss = saeDot(th, th, c, "sum");
  return {
    loss,
    backward(gF, grads) {
      const sq = mul(th, th);
      const d = affine(sq, -1, 1); // 1 - tanh^2
      const dn = mul(d, norms);
      const out = saeAxpby(gF, dn, null, 1, c * s, 0);
      const fd = mul(f, d);
      const S = colSum(fd); // [d_sae]
      saeRowScale("penaltyGrad", grads.W_dec, norms, m.params.W_dec, S, c * s);
      disposeAll([sq, d, dn, fd, S]);
      return out;
    },
    dispose: () => disposeAll([wn, th, loss]),
  };
}

export interface PreActTerm {
  loss: Tensor; // [1]
  /** Adds the term's gradients: returns the new d loss / d pre, and replaces grads.b_enc, grads.log_threshold and
   * adds into grads.W_dec. */
  backward(gPre: Tensor, grads: SaeParams): Tensor;
  dispose(): void;
}

export function preActTerm(m: SaeModel, pre: Tensor, norms: Tensor, ctx: TrainContext, batch: number): PreActTerm {
  const q = (m.cfg.pre_act_loss_coefficient as number) / batch;
  const dead = ctx.deadMask;
  let any = false;
  const dm = new Float32Array(m.cfg.d_sae);
  if (dead) {
    for (let i = 0; i < dm.length; i++) {
      if (!dead[i]) continue;
      dm[i] = 1;
      any = true;
    }
  }
  if (!any) {
    const loss = fill(Tensor.empty(m.device, [1], "f32", "pre_act loss"), 0);
    return { loss, backward: (gPre) => gPre, dispose: () => loss.dispose() };
  }
  const deadT = Tensor.from(m.device, [dm.length], dm, "dead mask");
  const t = exp(m.params.log_threshold); // [d_sae]
  const pmt = sub(pre, t); // pre - t [batch, d_sae]
  const d = affine(pmt, -1, 0); // t - pre
  const rd = relu(d);
  const wn = mul(deadT, norms); // [d_sae]
  const weighted = mul(rd, wn);
  const loss = saeDot(weighted, weighted, q, "sum");
  return {
    loss,
    backward(gPre, grads) {
      const zero = fill(Tensor.empty(m.device, pre.shape, "f32", "zeros"), 0);
      const wnB = add(zero, wn); // [batch, d_sae]
      const mk = saeActBackward("mask", wnB, d); // dead_i ||W_dec[i]|| where t > pre
      const out = saeAxpby(gPre, mk, null, 1, -q, 0);
      const mkSum = colSum(mk);
      const bEnc = saeAxpby(grads.b_enc, mkSum, null, 1, -q, 0);
      const mt = mul(mkSum, t);
      const lt = saeAxpby(grads.log_threshold, mt, null, 1, q, 0);
      const rdSum = colSum(rd);
      const S = mul(rdSum, deadT);
      saeRowScale("penaltyGrad", grads.W_dec, norms, m.params.W_dec, S, q);
      disposeAll([zero, wnB, mk, mkSum, mt, rdSum, S, grads.b_enc, grads.log_threshold]);
      grads.b_enc = bEnc;
      grads.log_threshold = lt;
      return out;
    },
    dispose: () => disposeAll([deadT, t, pmt, d, rd, wn, weighted, loss]),
  };
}
