// gather: row copies through an index list, one invocation per copied element (consecutive lanes on consecutive
// columns). MODE 0 (gather): out[n, c] = src[idx[n], c], 0 when idx[n] is outside [0, R).
// MODE 1 (scatter): out[idx[n], c] = src[n, c], skipped when idx[n] is outside [0, R).
override MODE: u32 = 0u;

struct Params { n: u32, cols: u32, rows: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n * p.cols) { return; }
  let n = i / p.cols;
  let c = i % p.cols;
  let r = idx[n];
  let inside = r >= 0 && u32(r) < p.rows;
  if (MODE == 0u) {
    var v = 0.0;
    if (inside) { v = src[u32(r) * p.cols + c]; }
    out[i] = v;
  } else if (inside) {
    out[u32(r) * p.cols + c] = src[i];
  }
}
