// batch_topk_ties: for a block of rows of x, each row's count of elements == t (sel[0]'s bits; -0 == +0), written
// to ties. Then batch_topk_scan.wgsl turns the counts into tie bases. Not an op (see batch_topk_split.ts).
struct Params { rows: u32, cols: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [rows, cols] a block
@group(0) @binding(2) var<storage, read> sel: array<u32>;        // [2] t bits, need
@group(0) @binding(3) var<storage, read_write> ties: array<u32>; // [rows] the block's

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= p.rows) { return; }
  let t = bitcast<f32>(sel[0]);
  var n = 0u;
  for (var c = 0u; c < p.cols; c++) { n += select(0u, 1u, x[r * p.cols + c] == t); }
  ties[r] = n;
}
