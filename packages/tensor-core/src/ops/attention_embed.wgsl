// attention_embed: token and position embeddings in one pass (attention.ts embedWithPositions):
//   embed[b, p, :] = W_E[tokens[b, p]] (a zero row for ids outside [0, d_vocab): kernels cannot throw),
//   pos_embed[b, p, :] = W_pos[pos_offset + p].
struct Params { n: u32, d_model: u32, pos: u32, pos_offset: u32, d_vocab: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;          // [batch, pos]
@group(0) @binding(2) var<storage, read> W_E: array<f32>;             // [d_vocab, d_model]
@group(0) @binding(3) var<storage, read> W_pos: array<f32>;           // [n_ctx, d_model]
@group(0) @binding(4) var<storage, read_write> embed: array<f32>;     // [batch, pos, d_model]
@group(0) @binding(5) var<storage, read_write> pos_embed: array<f32>; // [batch, pos, d_model]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= P.n) { return; }
  let row = idx / P.d_model;
  let c = idx % P.d_model;
  let p = row % P.pos;
  let t = tokens[row];
  var e = 0.0;
  if (t >= 0 && u32(t) < P.d_vocab) { e = W_E[u32(t) * P.d_model + c]; }
  embed[idx] = e;
  pos_embed[idx] = W_pos[(P.pos_offset + p) * P.d_model + c];
}
