// reduce: row reductions over the last dim of x [rows, cols] without workgroup barriers.
// STAGE 0: invocation (row, t) folds the contiguous segment [t * seg, (t + 1) * seg) of its row (alias.ts
//          rowSplit: one lane per row when rows are many), four elements a step, and writes one partial, or, with
//          one lane per row, the finished value into out. Lanes stream through their own rows: on llvmpipe each
//          lane of an 8-wide group reads its own contiguous run.
// STAGE 1: one invocation per row folds that row's `lanes` partials and writes the finished value.
// x is array<Elem> read through ldx() from row_io.ts (vec4s when cols % 4 == 0, else scalars).
// Finish: 0 none, 1 times `mul` (mean), 2 sqrt (L2).
override OP: u32 = 0u; // 0 sum, 1 sum of squares, 2 max
override STAGE: u32 = 0u;

struct Params { rows: u32, cols: u32, lanes: u32, finish: u32, mul: f32, negInfBits: u32, seg: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
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

fn fold4(acc: vec4<f32>, v: vec4<f32>) -> vec4<f32> {
  if (OP == 2u) { return max(acc, v); }
  if (OP == 1u) { return acc + v * v; }
  return acc + v;
}

fn merge(a: f32, b: f32) -> f32 {
  if (OP == 2u) { return max(a, b); }
  return a + b;
}

fn finish(v: f32) -> f32 {
  if (p.finish == 1u) { return v * p.mul; }
  if (p.finish == 2u) { return sqrt(v); }
  return v;
}

fn segment(row: u32, t: u32) -> f32 {
  let lo = min(t * p.seg, p.cols);
  let hi = min(lo + p.seg, p.cols);
  let base = row * p.cols;
  let none = vec4<f32>(identity());
  var acc = none;
  for (var j = lo; j < hi; j += 4u) {
    let inside = vec4<u32>(j) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(hi);
    acc = fold4(acc, select(none, ldx(base + j), inside));
  }
  return merge(merge(acc.x, acc.y), merge(acc.z, acc.w));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (STAGE == 0u) {
    if (i >= p.rows * p.lanes) { return; }
    let v = segment(i / p.lanes, i % p.lanes);
    if (p.lanes == 1u) { out[i] = finish(v); } else { part[i] = v; }
  } else {
    if (i >= p.rows) { return; }
    var acc = identity();
    for (var t = 0u; t < p.lanes; t++) { acc = merge(acc, part[i * p.lanes + t]); }
    out[i] = finish(acc);
  }
}
