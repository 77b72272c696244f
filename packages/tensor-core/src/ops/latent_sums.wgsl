// latent_sums: out[i] = sum of values[q] over latent i's list (pairs q = b * k + j that selected i, in pair order:
// latent_lists.wgsl), 0 for latents nobody selected. One invocation per latent: a deterministic column sum of a
// sparse [batch, d_sae] matrix given as (values, lists), e.g. sum_b f[b, i] for a ReLU SAE's L1 gradient.
struct Params { dSae: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;   // [batch * k]
@group(0) @binding(2) var<storage, read> offsets: array<u32>;  // [d_sae + 1]
@group(0) @binding(3) var<storage, read> entries: array<u32>;  // [batch * k]
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [d_sae]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.dSae) { return; }
  var s = 0.0;
  for (var t = offsets[i]; t < offsets[i + 1u]; t++) { s += values[entries[t]]; }
  out[i] = s;
}
