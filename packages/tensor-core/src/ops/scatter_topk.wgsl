// scatter_topk: out[r, indices[r, j]] = values[r, j] over a zeroed [rows, cols] (zeroing is a separate fill).
// Indices within a row are expected distinct (as topk gives); out-of-range indices are skipped.
struct Params { rows: u32, k: u32, cols: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;      // [rows, k]
@group(0) @binding(2) var<storage, read> indices: array<i32>;     // [rows, k]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;   // [rows, cols]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * 64u;
  if (q >= p.rows * p.k) { return; }
  let c = indices[q];
  if (c >= 0 && u32(c) < p.cols) { out[(q / p.k) * p.cols + u32(c)] = values[q]; }
}
