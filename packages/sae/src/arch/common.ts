// Pieces every architecture's forward/backward shares: input centring, dense decode, the MSE term and its
// gradient, the decoder and encoder halves of the backward pass, the decoder-norm-weighted penalty, and small
// cached ones vector that turns column sums into matmuls.
import { matmul, saeAxpby, saeDot, saeRowNorm, saeRowScale, Tensor, type Device } from "@sae/tensor-core";
import type { SaeModel, SaeParams } from "./contract.ts";

const constants = new WeakMap<Device, Map<string, Tensor>>();

function constant(device: Device, key: string, make: () => Float32Array, shape: number[]): Tensor {
  let m = constants.get(device);
  if (!m) constants.set(device, (m = new Map()));
  let t = m.get(key);
  if (!t || t.disposed) {
    t = Tensor.from(device, shape, make(), key);
    m.set(key, t);
  }
  return t;
}

/** [1, n] of ones: ones(n) @ M is the column sum of M [n, C]. */
export function ones(device: Device, n: number): Tensor {
  return constant(device, `ones ${n}`, () => new Float32Array(n).fill(1), [1, n]);
}

/** Column sums of m [B, C] -> [C]. */
export function colSum(m: Tensor): Tensor {
  const out = Tensor.empty(m.device, [m.shape[1]], "f32", "colsum");
  matmul(ones(m.device, m.shape[0]), m, { out: out.reshape([1, m.shape[1]]) });
  return out;
}

/** into += column sums of m [B, C] (into [C]): an extra term's b_dec gradient. */
export function addColSum(m: Tensor, into: Tensor): void {
  matmul(ones(m.device, m.shape[0]), m, { accumulate: true, out: into.reshape([1, into.size]) });
}

/** sae_in = x - b_dec when apply_b_dec_to_input, else a copy of x. [batch, d_in] */
export function center(m: SaeModel, x: Tensor): Tensor {
  const b = m.params.b_dec;
  return saeAxpby(x, null, b, 1, 0, m.cfg.apply_b_dec_to_input ? -1 : 0);
}

/** x_hat = f @ W_dec + b_dec. [batch, d_in] */
export function decode(m: SaeModel, f: Tensor): Tensor {
  return matmul(f, m.params.W_dec, { bias: m.params.b_dec });
}

/** MSE summed over d_in, mean over the batch: returns the [1] loss and d loss / d x_hat = 2 (x_hat - x) / B. */
export function mse(m: SaeModel, saeOut: Tensor, x: Tensor): { loss: Tensor; grad: Tensor } {
  const B = x.shape[0];
  const grad = saeAxpby(saeOut, x, null, 2 / B, -2 / B, 0);
  return { loss: saeDot(grad, grad, B / 4), grad };
}

/**
 * Decoder half of the backward pass for x_hat = f @ W_dec + b_dec: sets grads W_dec, b_dec and returns
 * d loss / d f = gOut @ W_dec^T [batch, d_sae].
 */
export function decoderBackward(m: SaeModel, f: Tensor, gOut: Tensor, grads: SaeParams): Tensor {
  grads.W_dec = matmul(f, gOut, { transA: true });
  grads.b_dec = colSum(gOut);
  return matmul(gOut, m.params.W_dec, { transB: true });
}

/**
 * Encoder half for pre = sae_in @ W_enc (+ bias): grads W_enc = sae_in^T gPre, and when b_dec was subtracted
 * from the input, b_dec -= W_enc @ colsum(gPre) (= colsum(gPre @ W_enc^T)).
 */
export function encoderBackward(m: SaeModel, saeIn: Tensor, gPre: Tensor, gPreColSum: Tensor, grads: SaeParams): void {
  grads.W_enc = matmul(saeIn, gPre, { transA: true });
  if (m.cfg.apply_b_dec_to_input) {
    const { d_in, d_sae } = m.cfg;
    matmul(m.params.W_enc, gPreColSum.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
  }
}

/** ||W_dec[i]|| [d_sae]. */
export function decoderNorms(m: SaeModel): Tensor {
  return saeRowNorm(m.params.W_dec);
}

/**
 * Penalty c * sum_b sum_i a_bi ||W_dec[i]|| given actSum = sum_b a_bi [d_sae]: returns the [1] loss; with
 * `grads` also adds its W_dec gradient c * actSum_i * W_dec[i] / ||W_dec[i]||.
 */
export function normPenalty(m: SaeModel, actSum: Tensor, norms: Tensor, c: number, grads?: SaeParams): Tensor {
  if (grads) saeRowScale("penaltyGrad", grads.W_dec, norms, m.params.W_dec, actSum, c);
  return saeDot(actSum, norms, c);
}

/** Sum of [1] loss tensors into a new [1] tensor. */
export function total(losses: Tensor[]): Tensor {
  let acc = saeAxpby(losses[0], null, null, 1, 0, 0);
  for (const l of losses.slice(1)) {
    const next = saeAxpby(acc, l, null, 1, 1, 0);
    acc.dispose();
    acc = next;
  }
  return acc;
}

/** Disposes every tensor given (ignoring repeats and nulls). */
export function disposeAll(ts: Iterable<Tensor | null | undefined>): void {
  for (const t of new Set(ts)) t?.dispose();
}
