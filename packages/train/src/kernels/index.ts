// The trainer's own kernels (not generic enough for tensor-core's op list): squared gradient norms into slots,
// Adam with the global-norm clip fused in (so clipping needs no readback), and per-latent firing statistics.
import { params, type Tensor } from "@sae/tensor-core";
import adamSrc from "./adam.wgsl" with { type: "text" };
import statsSrc from "./feature_stats.wgsl" with { type: "text" };
import sumsqSrc from "./sumsq.wgsl" with { type: "text" };

const K = {
  sumsq: { name: "train_sumsq", source: sumsqSrc },
  adam: { name: "train_adam", source: adamSrc },
  stats: { name: "train_feature_stats", source: statsSrc },
};

/** norms[slot] = sum(a^2). */
export function sumSquaresInto(a: Tensor, norms: Tensor, slot: number): void {
  a.device.run(K.sumsq, { buffers: [a.buffer, norms.buffer], params: params(a.size, slot), workgroups: [1] });
}

export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based Adam step (bias correction). */
  step: number;
  /** Global gradient-norm limit; 0 turns clipping off. */
  maxNorm: number;
  nSlots: number;
}

/** In place: param, m, v updated from grad scaled by the clip coefficient of `norms`. */
export function clippedAdam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, norms: Tensor, o: AdamStep): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const sqrtBc2 = Math.sqrt(1 - o.beta2 ** o.step);
  param.device.run(K.adam, {
    buffers: [norms.buffer, grad.buffer, param.buffer, m.buffer, v.buffer],
    params: params(param.size, o.nSlots, { f32: o.maxNorm }, { f32: o.lr }, { f32: o.beta1 }, { f32: o.beta2 }, { f32: o.eps }, { f32: bc1 }, { f32: sqrtBc2 }),
    workgroups: param.device.grid(Math.ceil(param.size / 256)),
  });
}

/** since_fired / act_freq [d_sae] updated from f [batch, d_sae]. */
export function featureStats(f: Tensor, sinceFired: Tensor, actFreq: Tensor): void {
  const [batch, dSae] = f.shape;
  f.device.run(K.stats, { buffers: [f.buffer, sinceFired.buffer, actFreq.buffer], params: params(batch, dSae), workgroups: [Math.ceil(dSae / 64)] });
}
