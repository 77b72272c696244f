// CPU references for the SAE training kernels (ops/sae_train.ts): same names and argument order, HostTensor in and
// out, float64 arithmetic. Each mirrors the formula in its .wgsl header.
import { ShapeError } from "../errors.ts";
import type { HostTensor } from "../tensor.ts";
import type { SaeActBackward, SaeActivation, SaeDotMode, SaeRowScale } from "../ops/sae_train.ts";

type H = HostTensor<"f32">;

function like(t: HostTensor, data: ArrayLike<number>): H {
  return { shape: [...t.shape], dtype: "f32", data: Float32Array.from(data) };
}

function cols(t: HostTensor): number {
  return t.shape[t.shape.length - 1] ?? 1;
}

export function saeAxpby(a: HostTensor, b: HostTensor | null, v: HostTensor | null, alpha: number, beta: number, gamma: number): H {
  const C = cols(a);
  return like(a, Array.from(a.data, (x, i) => alpha * x + (beta ? beta * (b as HostTensor).data[i] : 0) + (gamma ? gamma * (v as HostTensor).data[i % C] : 0)));
}

export function saeDot(a: HostTensor, b: HostTensor, scale: number, mode: SaeDotMode = "dot"): H {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    s += mode === "dot" ? x * b.data[i] : mode === "sum" ? x : x > 0 ? 1 : 0;
  }
  return { shape: [1], dtype: "f32", data: Float32Array.of(scale * s) };
}

export function saeActivation(kind: SaeActivation, a: HostTensor, opts: { b?: HostTensor; v1?: HostTensor; v2?: HostTensor } = {}): H {
  const C = cols(a);
  const v1 = (j: number) => (opts.v1 as HostTensor).data[j];
  const v2 = (j: number) => (opts.v2 as HostTensor).data[j];
  return like(
    a,
    Array.from(a.data, (x, i) => {
      const j = i % C;
      switch (kind) {
        case "relu":
          return Math.max(x, 0);
        case "jumprelu":
          return x > Math.exp(v1(j)) ? x : 0;
        case "threshold":
          return x > v1(j) ? Math.max(x, 0) : 0;
        case "gatedMag":
          return x * Math.exp(v2(j)) + v1(j);
        case "reluBias":
          return Math.max(x + v1(j), 0);
        case "gatedF":
          return (opts.b as HostTensor).data[i] > 0 ? Math.max(x, 0) : 0;
        default:
          throw new ShapeError(`saeActivation (cpu): unknown kind ${kind satisfies never}`);
      }
    }),
  );
}

export function saeActBackward(kind: SaeActBackward, a: HostTensor, b: HostTensor, opts: { c?: HostTensor; v?: HostTensor; c0?: number; bandwidth?: number } = {}): H {
  const C = cols(a);
  const bw = opts.bandwidth ?? 1;
  const c0 = opts.c0 ?? 0;
  return like(
    a,
    Array.from(a.data, (x, i) => {
      const e = opts.v ? Math.exp(opts.v.data[i % C]) : 1;
      const y = b.data[i];
      switch (kind) {
        case "mask":
          return y > 0 ? x : 0;
        case "maskAdd":
          return (opts.c as HostTensor).data[i] + (y !== 0 ? x : 0);
        case "jumpThreshold": {
          const u = (y - e) / bw;
          return u > -0.5 && u < 0.5 ? e * (-(e / bw) * x - c0 / bw) : 0;
        }
        case "gatedH":
          return x + e * y;
        case "gatedR":
          return x * y * e;
        default:
          throw new ShapeError(`saeActBackward (cpu): unknown kind ${kind satisfies never}`);
      }
    }),
  );
}

export function saeScatter(values: HostTensor, indices: HostTensor, dense: HostTensor, relu = true): H {
  const k = cols(values);
  const C = cols(dense);
  const out = Float32Array.from(dense.data);
  for (let i = 0; i < values.data.length; i++) {
    const x = values.data[i];
    const c = indices.data[i];
    if (c >= 0 && c < C) out[Math.floor(i / k) * C + c] = relu ? Math.max(x, 0) : x; // others skipped
  }
  return like(dense, out);
}

export function saeRowNorm(w: HostTensor): H {
  const C = cols(w);
  const R = w.data.length / C;
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += w.data[r * C + c] ** 2;
    out[r] = Math.sqrt(s);
  }
  return { shape: [R], dtype: "f32", data: out };
}

export function saeRowScale(mode: SaeRowScale, dst: HostTensor, n: HostTensor, w: HostTensor = n, s: HostTensor = n, coef = 1): H {
  const C = cols(dst);
  return like(
    dst,
    Array.from(dst.data, (d, i) => {
      const r = Math.floor(i / C);
      if (mode === "penaltyGrad") return d + (coef * s.data[r] * w.data[i]) / n.data[r];
      return mode === "divide" ? d / n.data[r] : d * n.data[r];
    }),
  );
}
