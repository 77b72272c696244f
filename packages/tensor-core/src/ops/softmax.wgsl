// softmax over the last dim of x * scale, optionally causal (row i of x [..., T, S] sees columns
// j <= i % T + posOffset; the others are exactly 0), without workgroup barriers.
// STAGE 0: `lanes` invocations share a row; each keeps a running (max, sum of exp(v - max)) per vec4 component
//          over its vec4s and writes the folded pair to part[2 * (row * lanes + t)].
// STAGE 1: one invocation per row folds its pairs into (max, sum) at part[statsAt + 2 * row].
// STAGE 2: one invocation per vec4 of the flat tensor writes exp(v - max) / sum, or 0 where masked (whole
//          vec4s: elements past the end land in the buffer's padding, so rows need not be vec4-aligned).
override STAGE: u32 = 0u;

struct Params { rows: u32, cols: u32, lanes: u32, statsAt: u32, scale: f32, causal: u32, T: u32, posOffset: i32, negInfBits: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

// Columns of this row that are visible (all of them unless causal).
fn visible(row: u32) -> u32 {
  if (p.causal == 0u) { return p.cols; }
  return u32(clamp(i32(row % p.T) + p.posOffset + 1, 0, i32(p.cols)));
}

// (m1, s1) and (m2, s2) as one running pair; an empty side has m = -inf and s = 0.
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.y == 0.0) { return a; }
  if (a.y == 0.0) { return b; }
  let m = max(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

fn partials(row: u32, t: u32) {
  let start = row * p.cols;
  let end = start + visible(row);
  let lo = vec4<u32>(start);
  let hi = vec4<u32>(end);
  let negInf = bitcast<f32>(p.negInfBits);
  var m = vec4<f32>(negInf);
  var s = vec4<f32>(0.0);
  for (var v = start / 4u + t; v * 4u < end; v += p.lanes) {
    let e = vec4<u32>(v * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
    let q = x[v] * p.scale;
    let keep = (e >= lo) & (e < hi) & (q > vec4<f32>(negInf));
    let nm = select(m, max(m, q), keep);
    s = select(s, s * exp(m - nm) + exp(q - nm), keep);
    m = nm;
  }
  var acc = vec2<f32>(negInf, 0.0);
  for (var c = 0u; c < 4u; c++) { acc = merge(acc, vec2<f32>(m[c], s[c])); }
  let i = 2u * (row * p.lanes + t);
  part[i] = acc.x;
  part[i + 1u] = acc.y;
}

fn stats(row: u32) {
  var acc = vec2<f32>(bitcast<f32>(p.negInfBits), 0.0);
  for (var t = 0u; t < p.lanes; t++) {
    let i = 2u * (row * p.lanes + t);
    acc = merge(acc, vec2<f32>(part[i], part[i + 1u]));
  }
  part[p.statsAt + 2u * row] = acc.x;
  part[p.statsAt + 2u * row + 1u] = acc.y;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (STAGE == 0u) {
    if (i < p.rows * p.lanes) { partials(i / p.lanes, i % p.lanes); }
  } else if (STAGE == 1u) {
    if (i < p.rows) { stats(i); }
  } else if (i * 4u < p.rows * p.cols) {
    let e = min(vec4<u32>(i * 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.rows * p.cols - 1u));
    let xv = x[i] * p.scale;
    var y = vec4<f32>(0.0);
    for (var k = 0u; k < 4u; k++) {
      let row = e[k] / p.cols;
      let at = p.statsAt + 2u * row;
      let z = part[at + 1u];
      if (e[k] % p.cols < visible(row) && z > 0.0) { y[k] = exp(xv[k] - part[at]) / z; }
    }
    out[i] = y;
  }
}
