// attention_pattern: one invocation per (batch, head, query) row. Scores q.k * scale over the keys j <= posOffset + i
// whose mask is nonzero, softmax over them; masked keys get exactly 0 (a row with no valid key is all 0). Keys live
// in a buffer of `stride` rows per batch (a KV cache or the fresh k); the first `keys` rows are valid.
// Output pattern [batch, n_heads, pos, keys].
struct Params { rows: u32, n_heads: u32, pos: u32, keys: u32, stride: u32, d_head: u32, pos_offset: u32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;    // [batch, pos, n_heads, d_head]
@group(0) @binding(2) var<storage, read> k: array<f32>;    // [batch, stride, n_heads, d_head]
@group(0) @binding(3) var<storage, read> mask: array<i32>; // [batch, stride]
@group(0) @binding(4) var<storage, read_write> pattern: array<f32>; // [batch, n_heads, pos, keys]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= P.rows) { return; }
  let i = row % P.pos;
  let h = (row / P.pos) % P.n_heads;
  let b = row / (P.pos * P.n_heads);
  let d_model = P.n_heads * P.d_head;
  let q0 = (b * P.pos + i) * d_model + h * P.d_head;
  let out = row * P.keys;
  let last = P.pos_offset + i;
  var mx = -3.4e38;
  for (var j = 0u; j < P.keys; j++) {
    if (j > last || mask[b * P.stride + j] == 0) { continue; }
    let k0 = (b * P.stride + j) * d_model + h * P.d_head;
    var s = 0.0;
    for (var d = 0u; d < P.d_head; d++) { s += q[q0 + d] * k[k0 + d]; }
    s *= P.scale;
    pattern[out + j] = s;
    mx = max(mx, s);
  }
  var sum = 0.0;
  for (var j = 0u; j < P.keys; j++) {
    if (j > last || mask[b * P.stride + j] == 0) { pattern[out + j] = 0.0; continue; }
    let e = exp(pattern[out + j] - mx);
    pattern[out + j] = e;
    sum += e;
  }
  let inv = select(0.0, 1.0 / sum, sum > 0.0);
  for (var j = 0u; j <= min(last, P.keys - 1u); j++) { pattern[out + j] *= inv; }
}
