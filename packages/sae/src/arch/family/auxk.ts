// The aux-k loss of the TopK family (Gao et al. 2024; SAELens 6.18 topk_sae.py calculate_topk_aux_loss): the k_aux
// largest raw (not ReLU'd) pre-activations among dead latents (k_aux = d_in / 2 unless set, at most the number dead)
// reconstruct the detached residual x - x_hat through decode (so b_dec is added, and with
// rescale_acts_by_decoder_norm the selection is on pre * ||W_dec[i]|| and the decode divides that back out);
// loss = aux_loss_coefficient * min(n_dead / k_aux, 1) * mean_b ||decode(A) - (x - x_hat)||^2.
// With the dead mask on the device (ctx.deadSince, the trainer) nothing is read back: the mask, bias and coefficient
// come from since_fired (tensor-core auxDead) and k_aux is bounded (cfg's, at most d_sae): the selection takes every
// dead latent before any live one, and the pairs past n_dead (live latents) are dropped (value 0, index -1), so A is
// the same as with k_aux = min(k_aux, n_dead); with none dead the coefficient is 0 and so are the term and its
// gradients. The row-blocked selection (topk/blocks.ts) keeps the host mask.
import {
  activeIndices,
  auxDead as auxDeadOnDevice,
  div,
  embedding,
  fill,
  matmul,
  mul,
  saeAxpby,
  saeDot,
  saeScatter,
  Tensor,
  topk,
} from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext } from "../contract.ts";
import { addColSum, disposeAll } from "../common.ts";
import { SaeConfigError } from "../../errors.ts";

const EXCLUDED = -3e38;
const TOPK_MAX_K = 256; // the topk op's limit (OPS.md)

export interface AuxK {
  loss: Tensor; // [1]
  /** Adds the aux-k W_dec gradient into grads.W_dec; returns gA = d aux / d A and A (both [batch, d_sae]). */
  backward(grads: SaeParams): { gA: Tensor; A: Tensor } | null;
  dispose(): void;
}

/** The dead latents of this step and k_aux: cfg.k_aux (d_in / 2 unless set), at most the number dead. */
export function auxBudget(m: SaeModel, ctx: TrainContext): { numDead: number; kAux0: number; kAux: number } {
  if (ctx.deadSince) {
    const k0 = m.cfg.k_aux ?? Math.floor(m.cfg.d_in / 2);
    return { numDead: -1, kAux0: k0, kAux: Math.min(k0, m.cfg.d_sae) }; // n_dead on the device: bounded k_aux
  }
  const dead = ctx.deadMask;
  let numDead = 0;
  if (dead) for (let j = 0; j < m.cfg.d_sae; j++) if (dead[j]) numDead++;
  const kAux0 = m.cfg.k_aux ?? Math.floor(m.cfg.d_in / 2);
  return { numDead, kAux0, kAux: Math.min(kAux0, numDead) };
}

/**
 * The kAux largest entries of each row of `masked` as (values, indices) pairs, in rounds of at most 256 (the topk
 * op's limit). Overwrites `masked` with -3e38 where a round took an entry, so the next round takes the next largest.
 * With `into` (one [rows, r] pair per round, e.g. row views of the whole batch's rounds) the rounds are written there.
 */
export function deadRounds(masked: Tensor, kAux: number, into?: AuxPairs[]): AuxPairs[] {
  const rounds: AuxPairs[] = [];
  for (let rest = kAux; rest > 0; ) {
    const k = Math.min(rest, TOPK_MAX_K);
    const top = topk(masked, k, into?.[rounds.length]);
    rounds.push(top);
    rest -= k;
    if (rest > 0) {
      const excluded = fill(Tensor.empty(masked.device, top.values.shape, "f32", "aux excluded"), EXCLUDED);
      saeScatter(excluded, top.indices, masked, false);
      excluded.dispose();
    }
  }
  return rounds;
}

/** Round sizes of deadRounds for kAux: 256 each, the rest last. */
export function roundSizes(kAux: number): number[] {
  const out: number[] = [];
  for (let rest = kAux; rest > 0; rest -= TOPK_MAX_K) out.push(Math.min(rest, TOPK_MAX_K));
  return out;
}

/** Pairs of one round: values [batch, r], indices [batch, r] i32. */
export interface AuxPairs {
  values: Tensor;
  indices: Tensor;
}

/** The dead latents' part of the setup: k_aux, the loss coefficient and the [d_sae] bias pushing live latents to
 * -3e38 (the caller disposes it); null when no latent is dead. */
export function auxDead(m: SaeModel, batch: number, ctx: TrainContext):
  { kAux: number; coef: number; deadBias: Tensor } | null {
  if (ctx.deadSince) {
    throw new SaeConfigError("aux-k: the row-blocked selection needs the host dead mask (deadMask), not deadSince");
  }
  const { numDead, kAux0, kAux } = auxBudget(m, ctx);
  if (numDead === 0) return null;
  const d_sae = m.cfg.d_sae;
  const bias = new Float32Array(d_sae);
  for (let j = 0; j < d_sae; j++) if (!ctx.deadMask?.[j]) bias[j] = EXCLUDED;
  const coef = (m.cfg.aux_loss_coefficient * Math.min(numDead / kAux0, 1)) / batch;
  return { kAux, coef, deadBias: Tensor.from(m.device, [d_sae], bias, "dead bias") };
}

/** pre [rows, d_sae] with live latents pushed to -3e38 (a new tensor). */
export function maskLive(pre: Tensor, deadBias: Tensor): Tensor {
  return saeAxpby(pre, null, deadBias, 1, 0, 1);
}

/** The loss's c (loss = c * sum e^2): a number, or on the device ([1] c and [1] 2c) with ctx.deadSince. */
export type AuxCoef = number | { c: Tensor; twice: Tensor };

export interface AuxSetup {
  kAux: number;
  coef: AuxCoef;
  deadBias: Tensor;
  masked: Tensor; // [batch, d_sae]
  dead: Tensor | null; // [d_sae] 1 where dead, with ctx.deadSince (the bounded k_aux's pairs past n_dead dropped)
}

/** What both forms of the term start from: k_aux, the loss coefficient, and pre with live latents pushed to
 * -3e38 (masked [batch, d_sae]); null when no latent is dead (known on the host). auxSetupTensors lists the tensors
 * the caller disposes. */
export function auxSetup(m: SaeModel, pre: Tensor, batch: number, ctx: TrainContext): AuxSetup | null {
  if (ctx.deadSince) {
    const { kAux0, kAux } = auxBudget(m, ctx);
    const { sinceFired, window } = ctx.deadSince;
    const d = auxDeadOnDevice(sinceFired, window, kAux0, m.cfg.aux_loss_coefficient / batch);
    const coef = { c: d.coef, twice: d.twice };
    return { kAux, coef, deadBias: d.bias, masked: maskLive(pre, d.bias), dead: d.dead };
  }
  const dead = auxDead(m, batch, ctx);
  if (!dead) return null;
  return { ...dead, masked: maskLive(pre, dead.deadBias), dead: null };
}

export function auxSetupTensors(s: AuxSetup): Tensor[] {
  return [s.deadBias, s.masked, s.dead, ...(typeof s.coef === "number" ? [] : [s.coef.c, s.coef.twice])]
    .filter((t): t is Tensor => t !== null);
}

/** A round with the live latents' pairs (the bounded k_aux past n_dead) dropped: value 0, and index -1 with
 * `pairs` (the sparse kernels skip it); r is consumed. */
export function dropLive(r: AuxPairs, dead: Tensor, pairs: boolean): AuxPairs {
  const g3 = embedding(dead.reshape([dead.shape[0], 1]), r.indices); // [batch, r, 1] 1 where dead
  const g = g3.reshape(r.values.shape);
  const values = mul(r.values, g);
  const indices = pairs ? activeIndices(g, r.indices) : r.indices;
  disposeAll([g3, r.values, pairs ? r.indices : null]);
  return { values, indices };
}

/** c * sum e^2 as a [1] tensor. */
export function auxLoss(e: Tensor, coef: AuxCoef): Tensor {
  if (typeof coef === "number") return saeDot(e, e, coef);
  const s = saeDot(e, e, 1);
  const loss = mul(s, coef.c);
  s.dispose();
  return loss;
}

/** d loss / d e = 2c e. */
export function auxGradE(e: Tensor, coef: AuxCoef): Tensor {
  return typeof coef === "number" ? saeAxpby(e, null, null, 2 * coef, 0, 0) : mul(e, coef.twice);
}

/** values [batch, r] taken at indices [batch, r] of a rescaled pre, divided by norms[indices] (norms [d_sae]). */
export function unscaleAt(values: Tensor, indices: Tensor, norms: Tensor): Tensor {
  const n = embedding(norms.reshape([norms.shape[0], 1]), indices); // [batch, r, 1]
  const out = div(values, n.reshape(values.shape));
  n.dispose();
  return out;
}

/** e = x_hat - x + b_dec: decode(0) minus the residual; the aux terms add A W_dec to it. [batch, d_in] */
export function auxBase(m: SaeModel, saeOut: Tensor, x: Tensor): Tensor {
  return saeAxpby(saeOut, x, m.params.b_dec, 1, -1, 1);
}

/**
 * pre: the selection scores [batch, d_sae] (pre * ||W_dec|| when rescaling); norms: ||W_dec[i]|| [d_sae] when
 * rescaling, else null.
 */
export function auxK(m: SaeModel, pre: Tensor, x: Tensor, saeOut: Tensor, ctx: TrainContext,
  norms: Tensor | null = null): AuxK | null {
  const setup = auxSetup(m, pre, x.shape[0], ctx);
  if (!setup) return null;
  const { kAux, coef, masked, dead } = setup;
  // A [batch, d_sae]: the dead latents' top k_aux per row, zeros elsewhere (divided by the norms when rescaling)
  const Araw = fill(Tensor.empty(m.device, pre.shape, "f32", "auxk acts"), 0);
  for (const taken of deadRounds(masked, kAux)) {
    const r = dead ? dropLive(taken, dead, false) : taken;
    saeScatter(r.values, r.indices, Araw, false);
    disposeAll([r.values, r.indices]);
  }
  const A = norms ? div(Araw, norms) : Araw;
  if (A !== Araw) Araw.dispose();
  const e = auxBase(m, saeOut, x); // decode(0) - residual
  matmul(A, m.params.W_dec, { accumulate: true, out: e }); // decode(A) - residual
  const loss = auxLoss(e, coef);
  return {
    loss,
    backward(grads) {
      const gE = auxGradE(e, coef);
      const gA = matmul(gE, m.params.W_dec, { transB: true });
      matmul(A, gE, { transA: true, accumulate: true, out: grads.W_dec });
      addColSum(gE, grads.b_dec);
      gE.dispose();
      return { gA, A };
    },
    dispose: () => disposeAll([...auxSetupTensors(setup), A, e, loss]),
  };
}
