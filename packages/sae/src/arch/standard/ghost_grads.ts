// Ghost grads for the standard SAE (SAELens before v3): an extra loss that gives dead latents a gradient. The
// dead latents' pre-activations go through exp (not ReLU) and are decoded through their W_dec rows (no bias); each
// row of that ghost output is rescaled to half the norm of the detached residual r = x - x_hat, and the loss is
// an MSE against r, re-weighted per element by the (detached) main MSE over the ghost MSE:
//   g = exp(pre[:, dead]) W_dec[dead]                     [batch, d_in]
//   gs = g * |r| / (1e-6 + 2 |g|)     (factor detached)   per row
//   q = (gs - r)^2,  w = (x_hat - x)^2 / (q + 1e-6)       (w detached)
//   ghost_grad_loss = mean over [batch, d_in] of w q
// Its gradient reaches W_enc, b_enc (and b_dec when it is subtracted from the input) through pre, and the dead
// rows of W_dec. Not here: deciding which latents are dead (the trainer's since-fired counts) or when to call this.
import { affine, colSum, div, fmt, matmul, mul, saeActivation, saeAxpby, saeDot, saeRowNorm, saeRowScale, scale, ShapeError, Tensor, type Device } from "@sae/tensor-core";
import type { SaeModel, SaeParams } from "../contract.ts";
import { center, disposeAll, ones } from "../common.ts";
import { SaeConfigError } from "../../errors.ts";

/** Pushes live latents' pre-activations so far down that exp() of them is exactly 0. */
const LIVE_BIAS = -1e30;

export interface GhostGrads {
  loss: Tensor; // [1] ghost_grad_loss
  /** Adds d ghost_grad_loss / d param into grads.W_enc, b_enc, W_dec and (with apply_b_dec_to_input) b_dec. */
  backward(grads: SaeParams): void;
  dispose(): void;
}

const zerosCache = new WeakMap<Device, Map<number, Tensor>>();

function zeros(device: Device, n: number): Tensor {
  let m = zerosCache.get(device);
  if (!m) zerosCache.set(device, (m = new Map()));
  let t = m.get(n);
  if (!t || t.disposed) m.set(n, (t = Tensor.zeros(device, [n], "f32", `ghost zeros ${n}`)));
  return t;
}

/**
 * exp(pre) on the dead latents, 0 on the live ones [batch, d_sae]. tensor-core has no elementwise exp, so this uses
 * the gated magnitude kernel (a * exp(v2) + v1) over one row of ones with the masked pre-activations as v2.
 */
function deadExp(pre: Tensor, deadBias: Tensor): { e: Tensor; owners: Tensor[] } {
  const [B, dSae] = pre.shape;
  const n = B * dSae;
  const masked = saeAxpby(pre, null, deadBias, 1, 0, 1); // [batch, d_sae], live latents at -1e30
  const flat = saeActivation("gatedMag", ones(pre.device, n), { v1: zeros(pre.device, n), v2: masked.reshape([n]) }); // [1, batch * d_sae]
  return { e: flat.reshape([B, dSae]), owners: [masked, flat] };
}

/**
 * The ghost-grad loss of a standard SAE's training step. x [batch, d_in] is the SAE's input (after activation
 * scaling), hiddenPre [batch, d_sae] and saeOut [batch, d_in] come from that step's forward; deadMask [d_sae] is
 * nonzero where a latent is dead. Returns null when no latent is dead (SAELens adds nothing then).
 */
export function ghostGrads(m: SaeModel, x: Tensor, hiddenPre: Tensor, saeOut: Tensor, deadMask: ArrayLike<number>): GhostGrads | null {
  const { d_in, d_sae } = m.cfg;
  const B = x.shape[0];
  if (m.cfg.architecture !== "standard") throw new SaeConfigError(`ghost grads: defined for the standard architecture only, got '${m.cfg.architecture}'`);
  if (deadMask.length !== d_sae) throw new ShapeError(`ghost grads: dead mask has ${deadMask.length} entries, expected d_sae ${d_sae}`);
  if (hiddenPre.shape[0] !== B || hiddenPre.shape[1] !== d_sae || saeOut.shape[1] !== d_in) {
    throw new ShapeError(`ghost grads: hiddenPre ${fmt(hiddenPre.shape)} and saeOut ${fmt(saeOut.shape)} must be [${B}, ${d_sae}] and [${B}, ${d_in}] for x ${fmt(x.shape)}`);
  }
  const bias = new Float32Array(d_sae);
  let nDead = 0;
  for (let j = 0; j < d_sae; j++) {
    if (deadMask[j]) nDead++;
    else bias[j] = LIVE_BIAS;
  }
  if (nDead === 0) return null;
  const device = x.device;
  const deadBias = Tensor.from(device, [d_sae], bias, "ghost dead bias");
  const { e, owners } = deadExp(hiddenPre, deadBias); // [batch, d_sae]
  const r = saeAxpby(x, saeOut, null, 1, -1, 0); // residual x - x_hat [batch, d_in]
  const rNorm = saeRowNorm(r); // [batch]
  const g = matmul(e, m.params.W_dec); // [batch, d_in]; live rows of W_dec meet zeros in e
  const gNorm = saeRowNorm(g); // [batch]
  const den = affine(gNorm, 2, 1e-6);
  const s = div(rNorm, den); // [batch] per-row factor, detached
  saeRowScale("multiply", g, s); // g is now the rescaled ghost output
  const d = saeAxpby(g, r, null, 1, -1, 0); // gs - r [batch, d_in]
  const q = mul(d, d);
  const qEps = affine(q, 1, 1e-6);
  const r2 = mul(r, r); // (x_hat - x)^2
  const w = div(r2, qEps); // per-element weight, detached
  const n = B * d_in;
  const loss = saeDot(w, q, 1 / n);
  disposeAll([rNorm, gNorm, den, q, qEps, r2]);
  return {
    loss,
    backward(grads) {
      for (const name of ["W_enc", "b_enc", "W_dec", "b_dec"]) {
        if (!grads[name]) throw new SaeConfigError(`ghost grads: backward needs grads.${name} to add into`);
      }
      const gG = mul(w, d); // d loss / d gs * n / 2
      const sG = scale(s, 2 / n);
      saeRowScale("multiply", gG, sG); // d loss / d g [batch, d_in]
      matmul(e, gG, { transA: true, accumulate: true, out: grads.W_dec }); // nonzero on dead rows only
      const gE = matmul(gG, m.params.W_dec, { transB: true }); // [batch, d_sae]
      const gPre = mul(gE, e); // exp' = exp; 0 on live latents
      const saeIn = center(m, x);
      matmul(saeIn, gPre, { transA: true, accumulate: true, out: grads.W_enc });
      const gSum = colSum(gPre); // [d_sae]
      matmul(ones(device, 1), gSum.reshape([1, d_sae]), { accumulate: true, out: grads.b_enc.reshape([1, d_sae]) });
      if (m.cfg.apply_b_dec_to_input) {
        matmul(m.params.W_enc, gSum.reshape([d_sae, 1]), { accumulate: true, alpha: -1, out: grads.b_dec.reshape([d_in, 1]) });
      }
      disposeAll([gG, sG, gE, gPre, saeIn, gSum]);
    },
    dispose: () => disposeAll([deadBias, ...owners, r, g, s, d, w, loss]),
  };
}
