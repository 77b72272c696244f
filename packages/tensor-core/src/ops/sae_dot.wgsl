// sae_dot: out[0] = scale * sum_i term(a[i], b[i]) with MODE 0: a*b, 1: a, 2: (a > 0 ? 1 : 0).
// One workgroup; each invocation strides over the input, then a shared-memory tree. For loss scalars.
override MODE: u32 = 0u;
struct Params { n: u32, scale: f32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = t; i < p.n; i += 256u) {
    let x = a[i];
    if (MODE == 0u) { s += x * b[i]; } else if (MODE == 1u) { s += x; } else if (x > 0.0) { s += 1.0; }
  }
  partial[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { partial[t] += partial[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[0] = p.scale * partial[0]; }
}
