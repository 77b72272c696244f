// sparse_grad_wdec: gradWdec[i, :] += sum over latent i's list (pair q = b * k + j, in pair order) of
// values[q] * gradOut[b, :]. One workgroup per latent, lanes along d_in; latents nobody selected are not touched.
struct Params { k: u32, dIn: u32, dSae: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gradOut: array<f32>;        // [batch, d_in]
@group(0) @binding(2) var<storage, read> values: array<f32>;         // [batch, k]
@group(0) @binding(3) var<storage, read> offsets: array<u32>;        // [d_sae + 1]
@group(0) @binding(4) var<storage, read> entries: array<u32>;        // [batch * k]
@group(0) @binding(5) var<storage, read_write> gradW: array<f32>;    // [d_sae, d_in]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.dSae) { return; }
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  if (s0 == s1) { return; }
  for (var d = lid; d < p.dIn; d += 64u) {
    var acc = 0.0;
    for (var t = s0; t < s1; t++) {
      let q = entries[t];
      acc += values[q] * gradOut[(q / p.k) * p.dIn + d];
    }
    gradW[i * p.dIn + d] += acc;
  }
}
