// binary_rows: out = a (op) b for the broadcasts that have a row form (broadcast.ts rowLayout): out viewed as
// [R, C] (C % 4 == 0, or both operands whole), each operand whole [R, C], a repeated row [C], a repeated column
// [R, 1] or a scalar. Span form (alias.ts spans()): group g of GROUP consecutive lanes walks the output's vec4s
// [g * span, (g + 1) * span), lane l taking g * span + l, + GROUP, ... and keeping its (row, vec4 column) by
// adding, never dividing. Inputs are bound as scalars (a row or column operand need not be vec4-aligned; on
// llvmpipe every load is per-scalar anyway); out is written as whole vec4s, elements past the end land in the
// buffer's 16-byte padding. ALIAS bit 0/1: whole input a/b is `out` itself (read from out; its binding is a dummy).
override OP: u32 = 0u; // 0 add, 1 sub, 2 mul, 3 div
override MODE_A: u32 = 0u; // 0 whole, 1 row [C], 2 column [R, 1], 3 scalar
override MODE_B: u32 = 0u;
override ALIAS: u32 = 0u;
override TRACK: bool = MODE_A == 1u || MODE_A == 2u || MODE_B == 1u || MODE_B == 2u;

struct Params { n4: u32, span: u32, c4: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

const GROUP = 8u;

fn vecA(e: u32) -> vec4<f32> {
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

fn vecB(e: u32) -> vec4<f32> {
  return vec4<f32>(b[e], b[e + 1u], b[e + 2u], b[e + 3u]);
}

fn loadA(i: u32, r: u32, j: u32) -> vec4<f32> {
  switch MODE_A {
    case 0u: {
      if ((ALIAS & 1u) != 0u) { return out[i]; }
      return vecA(4u * i);
    }
    case 1u: { return vecA(4u * j); }
    case 2u: { return vec4<f32>(a[r]); }
    default: { return vec4<f32>(a[0]); }
  }
}

fn loadB(i: u32, r: u32, j: u32) -> vec4<f32> {
  switch MODE_B {
    case 0u: {
      if ((ALIAS & 2u) != 0u) { return out[i]; }
      return vecB(4u * i);
    }
    case 1u: { return vecB(4u * j); }
    case 2u: { return vec4<f32>(b[r]); }
    default: { return vec4<f32>(b[0]); }
  }
}

fn apply(x: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    default: { return x / y; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x / GROUP;
  let end = min((g + 1u) * p.span, p.n4);
  var i = g * p.span + gid.x % GROUP;
  var r = 0u;
  var j = 0u;
  if (TRACK) {
    r = i / p.c4;
    j = i - r * p.c4;
  }
  for (; i < end; i += GROUP) {
    out[i] = apply(loadA(i, r, j), loadB(i, r, j));
    if (TRACK) {
      j += GROUP;
      while (j >= p.c4) {
        j -= p.c4;
        r += 1u;
      }
    }
  }
}
