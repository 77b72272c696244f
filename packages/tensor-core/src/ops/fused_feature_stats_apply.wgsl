// fused_feature_stats_apply: folds one batch's firing counts [d_sae] into the trainer's statistics, as
// feature_stats.wgsl does from dense f: since_fired[i] = counts[i] > 0 ? 0 : since_fired[i] + 1,
// act_freq[i] += counts[i].
struct Params { dSae: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> counts: array<u32>;              // [d_sae]
@group(0) @binding(2) var<storage, read_write> since_fired: array<f32>;   // [d_sae]
@group(0) @binding(3) var<storage, read_write> act_freq: array<f32>;      // [d_sae]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.dSae) { return; }
  let c = counts[i];
  if (c > 0u) { since_fired[i] = 0.0; } else { since_fired[i] = since_fired[i] + 1.0; }
  act_freq[i] = act_freq[i] + f32(c);
}
