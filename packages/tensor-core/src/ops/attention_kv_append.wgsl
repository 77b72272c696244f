// attention_kv_append: writes new keys or values src [batch, pos, d_model] into a cache [batch, stride, d_model]
// at rows posOffset.. .
struct Params { n: u32, d_model: u32, pos: u32, stride: u32, pos_offset: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;          // [batch, pos, d_model]
@group(0) @binding(2) var<storage, read_write> cache: array<f32>; // [batch, stride, d_model]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= P.n) { return; }
  let c = idx % P.d_model;
  let p = (idx / P.d_model) % P.pos;
  let b = idx / (P.d_model * P.pos);
  cache[(b * P.stride + P.pos_offset + p) * P.d_model + c] = src[idx];
}
