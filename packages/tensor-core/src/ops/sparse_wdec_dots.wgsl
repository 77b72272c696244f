// sparse_wdec_dots: the sparse decoder's backward walking each latent's list once, for d_in a multiple of 4 whose
// row fits one block of 64 * R vec4s (d_in <= 1024): one workgroup of 64 lanes per latent i holds W_dec[i, :] and its
// gradient row in registers (lane l: vec4s l, l + 64, ..., of the row) and reads each gradOut row of its list once for
//   gradW_dec[i, :] (+)= sum_{q in list(i)} values[q] * gradOut[q / k, :]
//   partial[q, l]      = lane l's part of gradOut[q / k, :] . W_dec[i, :]   (sparse_sum64.wgsl sums the 64 parts)
// No lane talks to another (no barrier: on llvmpipe one makes the whole loop keep its state in memory). OVERWRITE
// (p.overwrite) writes every row, 0 for an empty list. The //@ lines are unrolled over r < R by sparse_vec4.ts.
struct Params { rows: u32, k: u32, dIn4: u32, dSae: u32, overwrite: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;  // gradOut [batch, d_in]
@group(0) @binding(2) var<storage, read> W: array<vec4<f32>>;    // W_dec [d_sae, d_in]
@group(0) @binding(3) var<storage, read> coef: array<f32>;       // values [batch * k]
@group(0) @binding(4) var<storage, read> list: array<u32>;       // entries: pair ids sorted by latent
@group(0) @binding(5) var<storage, read> offsets: array<u32>;    // [d_sae + 1]
@group(0) @binding(6) var<storage, read_write> out: array<vec4<f32>>;   // gradW_dec [d_sae, d_in]
@group(0) @binding(7) var<storage, read_write> partial: array<f32>;     // [batch * k, 64]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.dSae) { return; }
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  if (s0 == s1 && p.overwrite == 0u) { return; } // latents nobody selected keep their gradient
  let d0 = l;
  let wrow = i * p.dIn4;
  //@lanes
  //@zero
  //@wrow
  for (var t = s0; t < s1; t++) {
    let q = list[t];
    let c = coef[q];
    let row = (q / p.k) * p.dIn4;
    var d = 0.0;
    //@accdot
    partial[q * 64u + l] = d;
  }
  let o = i * p.dIn4;
  if (p.overwrite != 0u) {
    //@store
  } else {
    //@storeAdd
  }
}
