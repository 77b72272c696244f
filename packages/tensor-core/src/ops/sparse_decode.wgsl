// sparse_decode: out[b, d] = sum_j values[b, j] * W_dec[indices[b, j], d] (+ b_dec[d]): the decoder through the k
// active latents only. One invocation per (b, d); lanes run along d so W_dec rows are read contiguously.
// Indices outside [0, d_sae) contribute nothing. W over one binding (sparse_decode.ts): W binds latents
// [base, base + dSae) and hasBias = 2 starts from out's value, so passes over latent blocks add up.
struct Params { batch: u32, k: u32, dIn: u32, dSae: u32, hasBias: u32, chunks: u32, base: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;   // [batch, k]
@group(0) @binding(2) var<storage, read> indices: array<i32>;  // [batch, k]
@group(0) @binding(3) var<storage, read> W: array<f32>;        // [d_sae, d_in]
@group(0) @binding(4) var<storage, read> bias: array<f32>;     // [d_in] (a dummy when hasBias = 0)
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // [batch, d_in]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let b = w / p.chunks;
  let d = (w % p.chunks) * 64u + lid;
  if (b >= p.batch || d >= p.dIn) { return; }
  var acc = 0.0;
  if (p.hasBias == 1u) { acc = bias[d]; }
  if (p.hasBias == 2u) { acc = out[b * p.dIn + d]; }
  for (var j = 0u; j < p.k; j++) {
    let i = indices[b * p.k + j] - i32(p.base);
    if (i >= 0 && u32(i) < p.dSae) {
      acc += values[b * p.k + j] * W[u32(i) * p.dIn + d];
    }
  }
  out[b * p.dIn + d] = acc;
}
