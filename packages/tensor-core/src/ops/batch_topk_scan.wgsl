// batch_topk_scan: in place, each row's tie count becomes the number of ties in earlier rows (exclusive prefix
// sum). One workgroup: each lane sums a contiguous block of rows, then offsets its block. Not an op.
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> ties: array<u32>; // [rows]

const WG = 64u;
var<workgroup> laneSum: array<u32, WG>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let per = (p.rows + WG - 1u) / WG;
  let r0 = min(p.rows, lid * per);
  let r1 = min(p.rows, r0 + per);
  var s = 0u;
  for (var r = r0; r < r1; r++) { s += ties[r]; }
  laneSum[lid] = s;
  workgroupBarrier();
  var before = 0u;
  for (var i = 0u; i < lid; i++) { before += laneSum[i]; }
  for (var r = r0; r < r1; r++) {
    let n = ties[r];
    ties[r] = before;
    before += n;
  }
}
