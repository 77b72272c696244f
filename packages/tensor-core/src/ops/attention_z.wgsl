// attention_z: attention-weighted values, z[b, i, h, d] = sum_j pattern[b, h, i, j] * v[b, j, h, d] over the
// `keys` valid rows of v (which holds `stride` rows per batch); one invocation per output.
struct Params { n: u32, n_heads: u32, pos: u32, keys: u32, stride: u32, d_head: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pattern: array<f32>; // [batch, n_heads, pos, keys]
@group(0) @binding(2) var<storage, read> v: array<f32>;       // [batch, stride, n_heads, d_head]
@group(0) @binding(3) var<storage, read_write> z: array<f32>; // [batch, pos, n_heads, d_head]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= P.n) { return; }
  let d = idx % P.d_head;
  let h = (idx / P.d_head) % P.n_heads;
  let i = (idx / (P.d_head * P.n_heads)) % P.pos;
  let b = idx / (P.d_head * P.n_heads * P.pos);
  let d_model = P.n_heads * P.d_head;
  let p0 = ((b * P.n_heads + h) * P.pos + i) * P.keys;
  var s = 0.0;
  for (var j = 0u; j < P.keys; j++) {
    s += pattern[p0 + j] * v[(b * P.stride + j) * d_model + h * P.d_head + d];
  }
  z[idx] = s;
}
