// CPU reference for adam (ops/adam.ts): the same step in float64, written plainly, updating the host tensors in place.
import { DTypeError, ShapeError } from "../errors.ts";
import { adamConstants, type AdamOptions } from "../ops/adam.ts";
import { fmt, sameShape } from "../shape.ts";
import type { HostTensor } from "../tensor.ts";

export function adam(param: HostTensor, grad: HostTensor, m: HostTensor, v: HostTensor, opts: AdamOptions): void {
  for (const [name, t] of [["param", param], ["grad", grad], ["m", m], ["v", v]] as const) {
    if (t.dtype !== "f32") throw new DTypeError(`adam (cpu): ${name} ${fmt(t.shape)} must be f32, got ${t.dtype}`);
    if (!sameShape(t.shape, param.shape)) throw new ShapeError(`adam (cpu): ${name} has shape ${fmt(t.shape)}, param has ${fmt(param.shape)}`);
  }
  const c = adamConstants("adam (cpu)", opts);
  const P = param.data as Float32Array;
  const G = grad.data as Float32Array;
  const M = m.data as Float32Array;
  const V = v.data as Float32Array;
  for (let i = 0; i < P.length; i++) {
    const w = c.decay !== 0 ? P[i] * (1 - c.lr * c.decay) : P[i];
    const mi = c.beta1 * M[i] + (1 - c.beta1) * G[i];
    const vi = c.beta2 * V[i] + (1 - c.beta2) * G[i] * G[i];
    M[i] = mi;
    V[i] = vi;
    P[i] = w - (c.stepSize * mi) / (Math.sqrt(vi) / c.bc2Sqrt + c.eps);
  }
}
