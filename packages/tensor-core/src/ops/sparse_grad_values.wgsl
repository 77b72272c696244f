// sparse_grad_values: gradValues[b, j] = gradOut[b, :] . W_dec[indices[b, j], :] (0 for an index out of range).
// A workgroup holds 8 pairs with 8 lanes each (a lane group reads 8 consecutive floats of a row), then sums its lanes.
// W over one binding (sparse_decode.ts): W binds latents [base, base + dSae); only != 0: pairs outside are left.
struct Params { batch: u32, k: u32, dIn: u32, dSae: u32, base: u32, only: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gradOut: array<f32>;        // [batch, d_in]
@group(0) @binding(2) var<storage, read> indices: array<i32>;        // [batch, k]
@group(0) @binding(3) var<storage, read> W: array<f32>;              // [d_sae, d_in]
@group(0) @binding(4) var<storage, read_write> gradValues: array<f32>; // [batch, k]

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let q = (wid.x + wid.y * nwg.x) * 8u + lid / 8u;
  let lane = lid % 8u;
  var acc = 0.0;
  var inBlock = false;
  if (q < p.batch * p.k) {
    let i = indices[q] - i32(p.base);
    inBlock = i >= 0 && u32(i) < p.dSae;
    if (inBlock) {
      let g = (q / p.k) * p.dIn;
      let r = u32(i) * p.dIn;
      for (var d = lane; d < p.dIn; d += 8u) { acc += gradOut[g + d] * W[r + d]; }
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  if (lane == 0u && q < p.batch * p.k && (inBlock || p.only == 0u)) {
    var s = 0.0;
    for (var l = 0u; l < 8u; l++) { s += partial[lid + l]; }
    gradValues[q] = s;
  }
}
