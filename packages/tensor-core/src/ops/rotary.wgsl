// rotary: rotary position embedding in the rotate-half layout (GPT-NeoX, Llama, Gemma): within each head, for
// d < half = rotary_dim / 2: y[d] = x[d] cos - x[d + half] sin, y[d + half] = x[d + half] cos + x[d] sin, with the
// angle of (position, d) read from the cos/sin tables; dims >= rotary_dim pass through. One invocation per element.
struct Params { n: u32, pos: u32, n_heads: u32, d_head: u32, rot: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;   // [batch, pos, n_heads, d_head]
@group(0) @binding(2) var<storage, read> cs: array<f32>;  // [pos, rot / 2] cos
@group(0) @binding(3) var<storage, read> sn: array<f32>;  // [pos, rot / 2] sin
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n) { return; }
  let d = i % p.d_head;
  if (d >= p.rot) {
    y[i] = x[i];
    return;
  }
  let half = p.rot / 2u;
  let t = (i / (p.d_head * p.n_heads)) % p.pos;
  let f = t * half + d % half;
  if (d < half) {
    y[i] = x[i] * cs[f] - x[i + half] * sn[f];
  } else {
    y[i] = x[i] * cs[f] + x[i - half] * sn[f];
  }
}
