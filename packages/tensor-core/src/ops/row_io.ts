// Row-kernel I/O (reduce, layerNorm, softmax): how a kernel reads x and writes y, the row-shaped tensors it
// binds as `array<Elem>`. WGSL cannot take a binding's element type from an override, so each kernel's text gets
// one of two small prefixes: rows whose width is a multiple of 4 bind vec4s (one aligned vec4 per access), other
// widths bind scalars (four scalar loads; stores cut at the row end so lanes never write each other's elements).
// Either way ldx(e) returns elements e..e+3 (those past the row are for the caller to mask; reads past the
// buffer are clamped by WGSL) and sty(e, v, n) writes the first n of them. Not an op.
import type { Kernel } from "../device.ts";

const X_VEC4 = `alias Elem = vec4<f32>;
fn ldx(e: u32) -> vec4<f32> { return x[e / 4u]; }
`;

const X_F32 = `alias Elem = f32;
fn ldx(e: u32) -> vec4<f32> { return vec4<f32>(x[e], x[e + 1u], x[e + 2u], x[e + 3u]); }
`;

const Y_VEC4 = `fn ldy(e: u32) -> vec4<f32> { return y[e / 4u]; }
fn sty(e: u32, v: vec4<f32>, n: u32) { y[e / 4u] = v; }
`;

const Y_F32 = `fn ldy(e: u32) -> vec4<f32> { return vec4<f32>(y[e], y[e + 1u], y[e + 2u], y[e + 3u]); }
fn sty(e: u32, v: vec4<f32>, n: u32) {
  if (n >= 4u) {
    y[e] = v.x;
    y[e + 1u] = v.y;
    y[e + 2u] = v.z;
    y[e + 3u] = v.w;
  } else {
    for (var k = 0u; k < n; k++) { y[e + k] = v[k]; }
  }
}
`;

const cache = new Map<string, Kernel>();

/** The kernel for rows of `cols` elements; `hasY` when it also writes a row-shaped y. */
export function rowKernel(name: string, source: string, cols: number, hasY: boolean): Kernel {
  const aligned = cols % 4 === 0;
  const key = `${name}\u0000${aligned}\u0000${source}`;
  let k = cache.get(key);
  if (!k) {
    const prefix = (aligned ? X_VEC4 : X_F32) + (hasY ? (aligned ? Y_VEC4 : Y_F32) : "");
    k = { name: `${name}${aligned ? "_vec4" : "_f32"}`, source: prefix + source };
    cache.set(key, k);
  }
  return k;
}
