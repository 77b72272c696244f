// unary: same-shape elementwise maps over vec4s (no broadcasting): copy, affine (a * mul + add), relu, gelu
// (GPT-2 tanh form), and the two-input activation gradients. Data is bound as raw u32 bits so copy is exact
// for any dtype. ALIAS bit 0/1: input a/b is `out` itself (read from out; its own binding is a dummy).
// Span form (alias.ts spans()): group g of GROUP consecutive lanes walks vec4s [g * span, (g + 1) * span), lane l
// taking g * span + l, + GROUP, ...: contiguous streams on llvmpipe, 128-byte segments on a GPU.
override OP: u32 = 0u; // 0 copy, 1 affine, 2 relu, 3 gelu, 4 reluBackward(g = a, x = b), 5 geluBackward(g = a, x = b)
override ALIAS: u32 = 0u;

struct Params { n4: u32, span: u32, mul: f32, add: f32 }
const GROUP = 8u;
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<u32>>;

const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_C = 0.044715;

fn loadA(i: u32) -> vec4<u32> {
  if ((ALIAS & 1u) != 0u) { return out[i]; }
  return a[i];
}

fn loadB(i: u32) -> vec4<f32> {
  if ((ALIAS & 2u) != 0u) { return bitcast<vec4<f32>>(out[i]); }
  return bitcast<vec4<f32>>(b[i]);
}

// gelu(x) = 0.5 x (1 + tanh z) = x * sigmoid(2z), z = sqrt(2/pi)(x + 0.044715 x^3). The sigmoid form keeps
// the tails accurate (1 + tanh z cancels for z << 0); clamping z keeps exp finite.
fn twoZ(x: vec4<f32>) -> vec4<f32> {
  return clamp(2.0 * SQRT_2_OVER_PI * (x + GELU_C * x * x * x), vec4<f32>(-80.0), vec4<f32>(80.0));
}

fn compute(bits: vec4<u32>, i: u32) -> vec4<u32> {
  let x = bitcast<vec4<f32>>(bits);
  switch OP {
    case 0u: { return bits; }
    case 1u: { return bitcast<vec4<u32>>(x * p.mul + p.add); }
    case 2u: { return bitcast<vec4<u32>>(max(x, vec4<f32>(0.0))); }
    case 3u: { return bitcast<vec4<u32>>(x / (1.0 + exp(-twoZ(x)))); }
    case 4u: { return bitcast<vec4<u32>>(select(vec4<f32>(0.0), x, loadB(i) > vec4<f32>(0.0))); }
    default: {
      let v = loadB(i);
      let z2 = twoZ(v);
      let s = 1.0 / (1.0 + exp(-z2)); // sigmoid(2z) = (1 + tanh z) / 2
      let sn = 1.0 / (1.0 + exp(z2)); // 1 - s, without cancellation
      let d = s + 2.0 * v * s * sn * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * v * v);
      return bitcast<vec4<u32>>(x * d);
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x / GROUP;
  let end = min((g + 1u) * p.span, p.n4);
  for (var i = g * p.span + gid.x % GROUP; i < end; i += GROUP) {
    out[i] = compute(loadA(i), i);
  }
}
