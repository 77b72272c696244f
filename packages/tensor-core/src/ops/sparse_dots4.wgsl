// sparse_dots4: gradValues[b, j] = gradOut[b, :] . W_dec[indices[b, j], :] (0 for an index out of range), the vec4
// form of sparse_grad_values.wgsl for d_in a multiple of 4: a workgroup holds 8 pairs with 8 lanes each, a lane
// reads every 8th vec4 of the two rows, then lane 0 of each pair sums its group's partial dots.
// (Keeping gradOut[b] in registers across a row's pairs, as sparse_rows4 does for its lists, measured slower here:
// the cross-lane sums through workgroup memory cost more than the reads they saved.)
// mask != 0: times (values[q] > 0), the ReLU's backward (values bound only then; a dummy otherwise).
// W over one binding (sparse_decode.ts): W binds latents [base, base + dSae); only != 0: pairs outside are left as
// they are (each pass over a block of latents writes its own pairs).
struct Params { rows: u32, k: u32, dIn4: u32, dSae: u32, mask: u32, base: u32, only: u32, _d: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gradOut: array<vec4<f32>>; // [batch, d_in]
@group(0) @binding(2) var<storage, read> W: array<vec4<f32>>;       // [d_sae, d_in]
@group(0) @binding(3) var<storage, read> indices: array<i32>;       // [batch, k]
@group(0) @binding(4) var<storage, read_write> gradValues: array<f32>; // [batch, k]
@group(0) @binding(5) var<storage, read> values: array<f32>;          // [batch, k] (mask)

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let q = (wid.x + wid.y * nwg.x) * 8u + lid / 8u;
  let lane = lid % 8u;
  var acc = 0.0;
  var inBlock = false;
  if (q < p.rows * p.k) {
    let i = indices[q] - i32(p.base);
    inBlock = i >= 0 && u32(i) < p.dSae;
    if (inBlock) {
      let g = (q / p.k) * p.dIn4;
      let r = u32(i) * p.dIn4;
      for (var d = lane; d < p.dIn4; d += 8u) { acc += dot(gradOut[g + d], W[r + d]); }
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  if (lane == 0u && q < p.rows * p.k && (inBlock || p.only == 0u)) {
    var s = 0.0;
    for (var l = 0u; l < 8u; l++) { s += partial[lid + l]; }
    gradValues[q] = select(s, select(0.0, s, values[q] > 0.0), p.mask != 0u);
  }
}
