// CPU references for the same-shape elementwise maps: scale, affine, copy, relu, gelu and their backward
// passes. gelu is GPT-2's tanh approximation. Plain float64 loops; results rounded to f32.
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { checkShape } from "../shape.ts";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function map(op: string, x: HostTensor, f: (v: number, i: number) => number): HostTensor<"f32"> {
  checkDType(op, "x", x, "f32");
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i], i);
  return host(x.shape, out);
}

function gradMap(op: string, gradOut: HostTensor, x: HostTensor, f: (g: number, v: number) => number): HostTensor<"f32"> {
  checkDType(op, "x", x, "f32");
  checkShape(op, "gradOut", gradOut.shape, x.shape);
  return map(op, gradOut, (g, i) => f(g, x.data[i]));
}

export function scale(a: HostTensor, s: number): HostTensor<"f32"> {
  return map("scale", a, (v) => v * s);
}

export function affine(a: HostTensor, mul: number, add: number): HostTensor<"f32"> {
  return map("affine", a, (v) => v * mul + add);
}

/** Copies src into dst's data (shapes must match) and returns dst. */
export function copy(src: HostTensor, dst: HostTensor): HostTensor {
  checkShape("copy", "dst", dst.shape, src.shape);
  checkDType("copy", "dst", dst, src.dtype);
  dst.data.set(src.data);
  return dst;
}

export function relu(x: HostTensor): HostTensor<"f32"> {
  return map("relu", x, (v) => (v > 0 ? v : 0));
}

export function reluBackward(gradOut: HostTensor, x: HostTensor): HostTensor<"f32"> {
  return gradMap("reluBackward", gradOut, x, (g, v) => (v > 0 ? g : 0));
}

export function gelu(x: HostTensor): HostTensor<"f32"> {
  return map("gelu", x, (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v))));
}

export function geluBackward(gradOut: HostTensor, x: HostTensor): HostTensor<"f32"> {
  return gradMap("geluBackward", gradOut, x, (g, v) => {
    const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
    const dInner = SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v);
    return g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dInner);
  });
}
