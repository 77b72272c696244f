// Token and position embeddings: embed[b, p, :] = W_E[tokens[b, p]], pos[b, p, :] = W_pos[posOffset + p].
struct Params { n: u32, d_model: u32, pos: u32, pos_offset: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read> W_E: array<f32>;
@group(0) @binding(3) var<storage, read> W_pos: array<f32>;
@group(0) @binding(4) var<storage, read_write> embed: array<f32>;
@group(0) @binding(5) var<storage, read_write> pos_embed: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= P.n) { return; }
  let row = idx / P.d_model;
  let c = idx % P.d_model;
  let p = row % P.pos;
  embed[idx] = W_E[u32(tokens[row]) * P.d_model + c];
  pos_embed[idx] = W_pos[(P.pos_offset + p) * P.d_model + c];
}
