// attn_scores: one invocation per (batch, head, query, key). s = q.k * scale, then soft-capped (cap * tanh(s / cap))
// when cap > 0, then masked: keys after the query (j > pos_offset + i), padding keys (mask 0) and, with a window w > 0,
// keys at or past w positions back (pos_offset + i - j >= w) get -3.4028235e38 (float32's min, as Hugging Face
// masks). Query head h reads key head h / group (grouped-query attention; group 1 = one key head per query head).
struct Params {
  n: u32, n_heads: u32, pos: u32, keys: u32, stride: u32, d_head: u32, pos_offset: u32, group: u32,
  scale: f32, cap: f32, window: u32, _a: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;    // [batch, pos, n_heads, d_head]
@group(0) @binding(2) var<storage, read> k: array<f32>;    // [batch, stride, n_heads / group, d_head]
@group(0) @binding(3) var<storage, read> mask: array<i32>; // [batch, stride]
@group(0) @binding(4) var<storage, read_write> scores: array<f32>; // [batch, n_heads, pos, keys]

const MASKED: f32 = -3.4028234663852886e38;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p.n) { return; }
  let j = idx % p.keys;
  let i = (idx / p.keys) % p.pos;
  let h = (idx / (p.keys * p.pos)) % p.n_heads;
  let b = idx / (p.keys * p.pos * p.n_heads);
  let at = p.pos_offset + i;
  let outside = j > at || (p.window > 0u && at - j >= p.window) || mask[b * p.stride + j] == 0;
  if (outside) {
    scores[idx] = MASKED;
    return;
  }
  let n_kv = p.n_heads / p.group;
  let q0 = ((b * p.pos + i) * p.n_heads + h) * p.d_head;
  let k0 = ((b * p.stride + j) * n_kv + h / p.group) * p.d_head;
  var s = 0.0;
  for (var d = 0u; d < p.d_head; d++) { s += q[q0 + d] * k[k0 + d]; }
  s *= p.scale;
  if (p.cap > 0.0) { s = p.cap * tanh(s / p.cap); }
  scores[idx] = s;
}
