// CPU reference for adam (ops/adam.ts): the same step in float64, written plainly, updating the host tensors in place.
// gradScale is a host [1] tensor here.
import { DTypeError, ShapeError } from "../errors.ts";
import { adamConstants, type AdamOptions } from "../ops/adam.ts";
import { fmt, sameShape } from "../shape.ts";
import type { HostTensor } from "../tensor.ts";

export function adam(param: HostTensor, grad: HostTensor, m: HostTensor, v: HostTensor, opts: Omit<AdamOptions, "gradScale"> & { gradScale?: HostTensor }): void {
  for (const [name, t] of [["param", param], ["grad", grad], ["m", m], ["v", v]] as const) {
    if (t.dtype !== "f32") throw new DTypeError(`adam (cpu): ${name} ${fmt(t.shape)} must be f32, got ${t.dtype}`);
    if (!sameShape(t.shape, param.shape)) throw new ShapeError(`adam (cpu): ${name} has shape ${fmt(t.shape)}, param has ${fmt(param.shape)}`);
  }
  const gs = opts.gradScale;
  if (gs && gs.dtype !== "f32") throw new DTypeError(`adam (cpu): gradScale ${fmt(gs.shape)} must be f32, got ${gs.dtype}`);
  if (gs && gs.data.length !== 1) throw new ShapeError(`adam (cpu): gradScale has shape ${fmt(gs.shape)}, expected [1]`);
  const scale = gs ? gs.data[0] : 1;
  const c = adamConstants("adam (cpu)", opts);
  const P = param.data as Float32Array;
  const G = grad.data as Float32Array;
  const M = m.data as Float32Array;
  const V = v.data as Float32Array;
  for (let i = 0; i < P.length; i++) {
    const g = scale * G[i];
    const w = c.decay !== 0 ? P[i] * (1 - c.lr * c.decay) : P[i];
    const mi = c.beta1 * M[i] + (1 - c.beta1) * g;
    const vi = c.beta2 * V[i] + (1 - c.beta2) * g * g;
    M[i] = mi;
    V[i] = vi;
    P[i] = w - (c.stepSize * mi) / (Math.sqrt(vi) / c.bc2Sqrt + c.eps);
  }
}
