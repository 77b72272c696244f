// feature_stats: per-latent firing statistics of SAE activations f [batch, d_sae], updated in place:
//   since_fired[i] = (any_b f[b, i] > 0) ? 0 : since_fired[i] + 1   (SAELens n_forward_passes_since_fired)
//   act_freq[i]   += #{b : f[b, i] > 0}                            (SAELens act_freq_scores)
// One invocation per latent looping over the batch; consecutive lanes read consecutive latents of a row.
struct Params { batch: u32, d_sae: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> f: array<f32>;                // [batch, d_sae]
@group(0) @binding(2) var<storage, read_write> since_fired: array<f32>; // [d_sae]
@group(0) @binding(3) var<storage, read_write> act_freq: array<f32>;    // [d_sae]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.d_sae) { return; }
  var count = 0.0;
  for (var b = 0u; b < p.batch; b++) {
    if (f[b * p.d_sae + i] > 0.0) { count += 1.0; }
  }
  if (count > 0.0) { since_fired[i] = 0.0; } else { since_fired[i] = since_fired[i] + 1.0; }
  act_freq[i] = act_freq[i] + count;
}
