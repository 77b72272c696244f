// fused_feature_stats_count: counts[i] += #{(b, j) : indices[b, j] == i and values[b, j] > 0} over the top-k pairs
// of a batch (integer atomics: exact and order-independent). Out-of-range indices count for nothing. Over one
// binding (fused_feature_stats.ts) a dispatch binds a block of pairs and the counts of latents [l0, l0 + lCount).
struct Params { pairs: u32, l0: u32, lCount: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;              // [batch * k]
@group(0) @binding(2) var<storage, read> indices: array<i32>;             // [batch * k]
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>; // [d_sae]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * 256u;
  if (q >= p.pairs) { return; }
  let i = indices[q];
  if (values[q] > 0.0 && i >= i32(p.l0) && u32(i) - p.l0 < p.lCount) { atomicAdd(&counts[u32(i) - p.l0], 1u); }
}
