// sparse_encoder_grad: for each latent i, gradWenc[:, i] = sum over i's list (pair q = b * k + j, in pair order) of
// gradValues[q] * x[b, :], and gradBenc[i] = sum of gradValues[q]; zero for latents nobody selected.
// One workgroup per latent, lanes along d_in (the column writes are strided by d_sae).
// gradWenc over one binding (sparse_decode.ts): gradW binds its rows [d0, d0 + width) (width = dIn otherwise).
// x or the pairs over one binding: one dispatch per block of batch rows (lists of its pairs); acc: a block after the
// first continues the sums in gradW and gradB (pair order, as one pass would).
struct Params { k: u32, dIn: u32, dSae: u32, d0: u32, width: u32, acc: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;              // [batch, d_in]
@group(0) @binding(2) var<storage, read> gradValues: array<f32>;     // [batch, k]
@group(0) @binding(3) var<storage, read> offsets: array<u32>;        // [d_sae + 1]
@group(0) @binding(4) var<storage, read> entries: array<u32>;        // [batch * k]
@group(0) @binding(5) var<storage, read_write> gradW: array<f32>;    // [d_in, d_sae]
@group(0) @binding(6) var<storage, read_write> gradB: array<f32>;    // [d_sae]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.dSae) { return; }
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  for (var d = lid; d < p.width; d += 64u) {
    var acc = select(0.0, gradW[d * p.dSae + i], p.acc != 0u);
    for (var t = s0; t < s1; t++) {
      let q = entries[t];
      acc += gradValues[q] * x[(q / p.k) * p.dIn + p.d0 + d];
    }
    gradW[d * p.dSae + i] = acc;
  }
  if (lid == 0u) {
    var s = select(0.0, gradB[i], p.acc != 0u);
    for (var t = s0; t < s1; t++) { s += gradValues[entries[t]]; }
    gradB[i] = s;
  }
}
