// sparse_rows4: the vec4 forms of the sparse SAE kernels that sum whole rows, for d_in a multiple of 4. One workgroup
// of 64 lanes owns one output row and one block of 64 * R vec4s of it (lane l: vec4s l, l + 64, ..., l + 64 (R - 1)
// of the block, held in registers), and walks that row's list once:
//   decode:  out[b, :] = bias + sum_j values[b, j] * W_dec[indices[b, j], :]      (list: the k pairs of row b)
//   wdec:    gradW_dec[i, :] += sum_{q in list(i)} values[q] * gradOut[q / k, :]   (list: latent i's pairs;
//            with p.overwrite != 0u written instead, every row: 0 for an empty list, so no zeroing pass is needed)
//   enc:     gradW_enc[:, i] = sum_{q in list(i)} gradValues[q] * x[q / k, :], gradB_enc[i] = sum gradValues[q]
// So each list entry (index and coefficient) is read once per R vec4s, not once per float as in the scalar kernels
// (on llvmpipe every storage read is a per-lane, per-float emulated load: that was most of their time).
// decode with W over one binding (sparse_decode.ts): W binds latents [base, base + dSae), and hasBias = 2 starts
// from out's value, so passes over blocks of latents add up.
// The //@ lines are unrolled over r < R by sparse_vec4.ts (v_r: the lane's r-th vec4, clamped into the row).
struct Params { rows: u32, k: u32, dIn4: u32, dSae: u32, hasBias: u32, blocks: u32, overwrite: u32, base: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;  // W_dec [d_sae, d_in] (decode), gradOut or x [batch, d_in]
@group(0) @binding(2) var<storage, read> coef: array<f32>;       // values or gradValues [batch * k]
@group(0) @binding(3) var<storage, read> list: array<i32>;       // indices [batch * k] (decode) or entries (pair ids)
@group(0) @binding(4) var<storage, read> offsets: array<u32>;    // [d_sae + 1] (wdec, enc)
@group(0) @binding(5) var<storage, read> bias: array<vec4<f32>>; // [d_in] (decode)
@group(0) @binding(5) var<storage, read_write> gradB: array<f32>; // [d_sae] (enc)
@group(0) @binding(6) var<storage, read_write> out: array<vec4<f32>>; // [batch, d_in] (decode), [d_sae, d_in] (wdec)
@group(0) @binding(6) var<storage, read_write> outT: array<f32>;      // [d_in, d_sae] (enc)

@compute @workgroup_size(64)
fn decode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let w = wid.x + wid.y * nwg.x;
  _ = offsets[0]; // bound by every entry point (one bind group layout shape); unused here
  let b = w / p.blocks;
  if (b >= p.rows) { return; }
  let d0 = (w % p.blocks) * 64u * R + l;
  //@lanes
  let o = b * p.dIn4;
  //@zero
  if (p.hasBias == 1u) {
    //@bias
  }
  if (p.hasBias == 2u) {
    //@load
  }
  for (var j = 0u; j < p.k; j++) {
    let i = list[b * p.k + j] - i32(p.base);
    if (i < 0 || u32(i) >= p.dSae) { continue; } // the same for the whole workgroup (one row): no divergence
    let c = coef[b * p.k + j];
    let row = u32(i) * p.dIn4;
    //@acc
  }
  //@store
}

@compute @workgroup_size(64)
fn wdec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let w = wid.x + wid.y * nwg.x;
  _ = bias[0]; // bound by every entry point; unused here
  let i = w / p.blocks;
  if (i >= p.dSae) { return; }
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  if (s0 == s1 && p.overwrite == 0u) { return; } // latents nobody selected keep their gradient
  let d0 = (w % p.blocks) * 64u * R + l;
  //@lanes
  //@zero
  for (var t = s0; t < s1; t++) {
    let q = u32(list[t]);
    let c = coef[q];
    let row = (q / p.k) * p.dIn4;
    //@acc
  }
  let o = i * p.dIn4;
  if (p.overwrite != 0u) {
    //@store
  } else {
    //@storeAdd
  }
}

@compute @workgroup_size(64)
fn enc(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let w = wid.x + wid.y * nwg.x;
  let i = w / p.blocks;
  if (i >= p.dSae) { return; }
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  let blk = w % p.blocks;
  let d0 = blk * 64u * R + l;
  //@lanes
  //@zero
  var cs = 0.0;
  for (var t = s0; t < s1; t++) {
    let q = u32(list[t]);
    let c = coef[q];
    cs += c;
    let row = (q / p.k) * p.dIn4;
    //@acc
  }
  if (blk == 0u && l == 0u) { gradB[i] = cs; }
  //@storeT
}
