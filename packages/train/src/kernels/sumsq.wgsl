// train_sumsq: out[slot] = sum_i a[i]^2 (one workgroup, strided loop then a shared-memory tree). Gradient norms
// for clipping: one slot per parameter, read by train_adam in the same submission.
struct Params { n: u32, slot: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = t; i < p.n; i += 256u) { let x = a[i]; s += x * x; }
  partial[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { partial[t] += partial[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[p.slot] = partial[0]; }
}
