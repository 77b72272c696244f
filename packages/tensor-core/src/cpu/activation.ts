// CPU reference for activate (ops/activation.ts): silu, exact gelu and soft-capping, float64. erf by the
// Abramowitz-Stegun 7.1.26 series is not accurate enough for a reference, so erf here sums its Taylor series
// (|x| < 3) or uses the asymptotic erfc expansion, both to ~1e-15.
import { host, type HostTensor } from "../tensor.ts";

export function erf(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // continued fraction for erfc
    let f = 0;
    for (let n = 60; n >= 1; n--) f = n / 2 / (z + f);
    r = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
  }
  return x < 0 ? -r : r;
}

type Kind = "silu" | "gelu_erf" | "softcap";

export function activate(x: HostTensor, kind: Kind, opts: { cap?: number } = {}): HostTensor<"f32"> {
  const cap = opts.cap ?? 0;
  const f = {
    silu: (v: number) => v / (1 + Math.exp(-v)),
    gelu_erf: (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    softcap: (v: number) => cap * Math.tanh(v / cap),
  }[kind];
  return host(x.shape, Float32Array.from(x.data, f));
}
