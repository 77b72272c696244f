// attn_grouped_z: z[b, i, h, :] = sum_j pattern[b, h, i, j] v[b, j, h / group, :] over the first `keys` rows of a
// value buffer with `stride` rows per batch. One invocation per output element.
struct Params { n: u32, n_heads: u32, pos: u32, keys: u32, stride: u32, d_head: u32, group: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pattern: array<f32>; // [batch, n_heads, pos, keys]
@group(0) @binding(2) var<storage, read> v: array<f32>;       // [batch, stride, n_heads / group, d_head]
@group(0) @binding(3) var<storage, read_write> z: array<f32>; // [batch, pos, n_heads, d_head]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p.n) { return; }
  let d = idx % p.d_head;
  let h = (idx / p.d_head) % p.n_heads;
  let i = (idx / (p.d_head * p.n_heads)) % p.pos;
  let b = idx / (p.d_head * p.n_heads * p.pos);
  let step = (p.n_heads / p.group) * p.d_head; // one key row of v
  let row = ((b * p.n_heads + h) * p.pos + i) * p.keys;
  var at = b * p.stride * step + (h / p.group) * p.d_head + d;
  var s = 0.0;
  for (var j = 0u; j < p.keys; j++) {
    s += pattern[row + j] * v[at];
    at += step;
  }
  z[idx] = s;
}
