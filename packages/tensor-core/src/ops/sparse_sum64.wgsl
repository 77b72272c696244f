// sparse_sum64: gradValues[q] = sum_l partial[q, l] over the 64 lane parts sparse_wdec_dots.wgsl wrote (lane order:
// deterministic), times (values[q] > 0) when p.mask != 0 (the ReLU's backward); 0 for a pair whose index is outside
// [0, d_sae) (no list holds it, so no part was written).
struct Params { pairs: u32, dSae: u32, mask: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec4<f32>>;  // [batch * k, 64]
@group(0) @binding(2) var<storage, read> indices: array<i32>;        // [batch * k]
@group(0) @binding(3) var<storage, read> values: array<f32>;         // [batch * k]
@group(0) @binding(4) var<storage, read_write> gradValues: array<f32>; // [batch * k]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * 64u;
  if (q >= p.pairs) { return; }
  let i = indices[q];
  var s = 0.0;
  if (i >= 0 && u32(i) < p.dSae) {
    var v = vec4<f32>();
    for (var j = 0u; j < 16u; j++) { v += partial[q * 16u + j]; }
    s = (v.x + v.y) + (v.z + v.w);
  }
  gradValues[q] = select(s, select(0.0, s, values[q] > 0.0), p.mask != 0u);
}
