// CPU reference of ops/pointwise.ts: exp(s * a) and tanh(s * a), in float64, rounded to f32.
import { host, type HostTensor } from "../tensor.ts";

export function exp(a: HostTensor, s = 1): HostTensor<"f32"> {
  return host(a.shape, Float32Array.from(a.data as Float32Array, (v) => Math.exp(s * v)));
}

export function tanh(a: HostTensor, s = 1): HostTensor<"f32"> {
  return host(a.shape, Float32Array.from(a.data as Float32Array, (v) => Math.tanh(s * v)));
}
