// batch_topk: writes batchTopk's dense output from the threshold batch_topk_select.wgsl found. One invocation per
// row walks its row in column order: an element is kept when it is > t, or == t and fewer than `need` ties come
// before it in flat order (tieBase[row] of them are in earlier rows); everything else becomes 0. The last kept tie
// (flat tie number need - 1) is the smallest kept value and is written to thr. x and y are bound as array<Elem>
// through row_io.ts (vec4s when cols % 4 == 0).
struct Params { rows: u32, cols: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;            // [rows, cols]
@group(0) @binding(2) var<storage, read_write> y: array<Elem>;      // [rows, cols]
@group(0) @binding(3) var<storage, read> sel: array<u32>;           // [2] t bits, need
@group(0) @binding(4) var<storage, read> tieBase: array<u32>;       // [rows]
@group(0) @binding(5) var<storage, read_write> thr: array<f32>;     // [1]

override WG: u32 = 16u; // rows per workgroup (TOPK_ROWS_PER_WORKGROUP)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= p.rows) { return; }
  let t = bitcast<f32>(sel[0]);
  let need = sel[1];
  var tie = tieBase[row];
  let off = row * p.cols;
  for (var c = 0u; c < p.cols; c += 4u) {
    let v = ldx(off + c);
    var keep = v > vec4<f32>(t);
    if (any(v == vec4<f32>(t))) {
      for (var j = 0u; j < 4u; j++) {
        if (v[j] == t && c + j < p.cols) {
          keep[j] = tie < need;
          if (tie + 1u == need) { thr[0] = v[j]; }
          tie++;
        }
      }
    }
    sty(off + c, select(vec4<f32>(0.0), v, keep), min(4u, p.cols - c));
  }
}
