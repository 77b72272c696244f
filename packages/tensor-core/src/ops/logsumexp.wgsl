// Row log-sum-exp of logits x [rows, V], one workgroup of 256 per row (the row index spans wid.x and wid.y): a
// strided max per invocation and a shared-memory tree for the row max m; then sum exp(x - m) per invocation in two
// levels (blocks of 16 strided terms, then the block sums: Kahan compensation was folded away by lavapipe's compiler,
// measured) and a pairwise tree over the 256 partial sums (f32 throughout, no readback).
// MODE 0: out[row] = m + log(s).
// MODE 1: out[2 row], out[2 row + 1] = (m, s), the pair kl.wgsl reads (its log-ratio stays accurate when the two
//         rows' lse's are close).
// MODE 2: out[row] = (m - x[row, target[row]]) + log(s), the cross-entropy; NaN for a target outside [0, V).
// Every binding starts at an aligned byte offset below its first row (row_spans.ts): xOff, tOff, oOff are the
// element offsets of row 0 of this dispatch.
override MODE: u32 = 0u;

// negInfBits, nanBits: -inf and NaN as bits from the host (a WGSL constant cannot hold them).
struct Params { rows: u32, V: u32, xOff: u32, tOff: u32, oOff: u32, negInfBits: u32, nanBits: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [rows, V]
@group(0) @binding(2) var<storage, read> targets: array<i32>;   // [rows] (MODE 2; otherwise a dummy)
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [rows] or [rows, 2] (MODE 1)
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = p.xOff + row * p.V;
  var m = bitcast<f32>(p.negInfBits);
  for (var j = t; j < p.V; j += 256u) { m = max(m, x[base + j]); }
  red[t] = m;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] = max(red[t], red[t + w]); }
    workgroupBarrier();
  }
  m = red[0];
  workgroupBarrier();
  var s = 0.0;
  for (var j0 = t; j0 < p.V; j0 += 4096u) {
    var b = 0.0;
    for (var j = j0; j < min(j0 + 4096u, p.V); j += 256u) { b += exp(x[base + j] - m); }
    s += b;
  }
  red[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] += red[t + w]; }
    workgroupBarrier();
  }
  if (t != 0u) { return; }
  let z = red[0];
  if (MODE == 0u) {
    out[p.oOff + row] = m + log(z);
  } else if (MODE == 1u) {
    out[p.oOff + 2u * row] = m;
    out[p.oOff + 2u * row + 1u] = z;
  } else {
    let tg = targets[p.tOff + row];
    if (tg < 0 || u32(tg) >= p.V) {
      out[p.oOff + row] = bitcast<f32>(p.nanBits);
    } else {
      out[p.oOff + row] = (m - x[base + u32(tg)]) + log(z);
    }
  }
}
