// gather: row copies through an index list, one invocation per copied element (consecutive lanes on consecutive
// columns). MODE 0 (gather): out[n, c] = src[idx[n], c], 0 when idx[n] is outside [0, R).
// MODE 1 (scatter): out[idx[n], c] = src[n, c], skipped when idx[n] is outside [0, R).
// The indexed matrix may be a block of rows [base, base + rows) of one with `total` rows (gather.ts, over one
// binding): rows outside the block are left to the other blocks' launches; indices outside [0, total) still give
// zero rows in a gather. Unsplit, base = 0 and rows = total.
override MODE: u32 = 0u;

struct Params { n: u32, cols: u32, rows: u32, base: u32, total: u32, _a: u32, _b: u32, _c: u32 }
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
  let g = idx[n];
  let r = g - i32(p.base);
  let inside = r >= 0 && u32(r) < p.rows;
  if (MODE == 0u) {
    var v = 0.0;
    if (inside) { v = src[u32(r) * p.cols + c]; }
    if (inside || g < 0 || u32(g) >= p.total) { out[i] = v; }
  } else if (inside) {
    out[u32(r) * p.cols + c] = src[i];
  }
}
