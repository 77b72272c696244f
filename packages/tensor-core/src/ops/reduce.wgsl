// reduce: row reductions over the last dim without workgroup barriers, in two stages.
// STAGE 0: `lanes` invocations share a row; lane t folds the row's vec4s t, t + lanes, ... (consecutive lanes
//          read consecutive vec4s; the row need not be vec4-aligned: elements outside it are masked) and
//          writes one partial, or, with one lane per row, the finished value into out.
// STAGE 1: one invocation per row folds that row's `lanes` partials and writes the finished value.
// Finish: 0 none, 1 times `mul` (mean), 2 sqrt (L2).
override OP: u32 = 0u; // 0 sum, 1 sum of squares, 2 max
override STAGE: u32 = 0u;

struct Params { rows: u32, cols: u32, lanes: u32, finish: u32, mul: f32, negInfBits: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;


// -inf cannot be a WGSL constant, so its bits come in as a parameter.
fn negInf() -> f32 {
  return bitcast<f32>(p.negInfBits);
}

fn identity() -> f32 {
  if (OP == 2u) { return negInf(); }
  return 0.0;
}

fn fold(acc: f32, v: f32) -> f32 {
  if (OP == 2u) { return max(acc, v); }
  return acc + v;
}

fn finish(v: f32) -> f32 {
  if (p.finish == 1u) { return v * p.mul; }
  if (p.finish == 2u) { return sqrt(v); }
  return v;
}

fn lanePartial(row: u32, t: u32) -> f32 {
  let start = row * p.cols;
  let end = start + p.cols;
  let lo = vec4<u32>(start);
  let hi = vec4<u32>(end);
  var acc = vec4<f32>(identity());
  for (var v = start / 4u + t; v * 4u < end; v += p.lanes) {
    let e = vec4<u32>(v * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
    var q = x[v];
    if (OP == 1u) { q = q * q; }
    let keep = (e >= lo) & (e < hi);
    if (OP == 2u) {
      acc = max(acc, select(vec4<f32>(negInf()), q, keep));
    } else {
      acc += select(vec4<f32>(0.0), q, keep);
    }
  }
  return fold(fold(acc.x, acc.y), fold(acc.z, acc.w));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (STAGE == 0u) {
    if (i >= p.rows * p.lanes) { return; }
    let v = lanePartial(i / p.lanes, i % p.lanes);
    if (p.lanes == 1u) { out[i] = finish(v); } else { part[i] = v; }
  } else {
    if (i >= p.rows) { return; }
    var acc = identity();
    for (var t = 0u; t < p.lanes; t++) { acc = fold(acc, part[i * p.lanes + t]); }
    out[i] = finish(acc);
  }
}
