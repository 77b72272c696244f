// attention_split: splits the fused QKV projection [rows, 3 * d_model] into q, k, v [rows, d_model]
// (= [batch, pos, n_heads, d_head]).
struct Params { n: u32, d_model: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;   // [rows, 3 * d_model]
@group(0) @binding(2) var<storage, read_write> q: array<f32>; // [rows, d_model]
@group(0) @binding(3) var<storage, read_write> k: array<f32>; // [rows, d_model]
@group(0) @binding(4) var<storage, read_write> v: array<f32>; // [rows, d_model]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= P.n) { return; }
  let row = idx / P.d_model;
  let c = idx % P.d_model;
  let src = row * 3u * P.d_model + c;
  q[idx] = qkv[src];
  k[idx] = qkv[src + P.d_model];
  v[idx] = qkv[src + 2u * P.d_model];
}
