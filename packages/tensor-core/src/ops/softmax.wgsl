// softmax over the last dim of x * scale, optionally causal (row i of x [..., T, S] sees columns
// j <= i % T + posOffset; the others are exactly 0), without workgroup barriers. -inf entries count as masked;
// a row with nothing visible is all 0. Invocation (row, t) owns the contiguous segment [t * seg, (t + 1) * seg)
// of its row (alias.ts rowSplit).
// STAGE 3 (one lane per row, the usual case): three passes over the row, the later ones from cache: the max;
//          y = exp(q - max) and its sum; y *= 1 / sum.
// With wide rows cut into `lanes` segments:
// STAGE 0: each segment's (max, sum of exp(q - max)) into part[2 * (row * lanes + t)].
// STAGE 1: one invocation per row merges its pairs into (max, sum) at part[statsAt + 2 * row].
// STAGE 2: each segment writes exp(q - max) / sum.
// x and y are array<Elem> with ldx()/ldy()/sty() from row_io.ts (vec4s when cols % 4 == 0).
override STAGE: u32 = 0u;

// rowBase: the first row's index in the whole tensor when softmax.ts runs row blocks (the causal mask's row % T).
struct Params {
  rows: u32, cols: u32, lanes: u32, statsAt: u32, scale: f32, causal: u32, T: u32, posOffset: i32,
  negInfBits: u32, seg: u32, rowBase: u32, _c: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<Elem>;

fn negInf() -> f32 {
  return bitcast<f32>(p.negInfBits);
}

// Columns of this row that are visible (all of them unless causal).
fn visible(row: u32) -> u32 {
  if (p.causal == 0u) { return p.cols; }
  return u32(clamp(i32((row + p.rowBase) % p.T) + p.posOffset + 1, 0, i32(p.cols)));
}

fn below(j: u32, hi: u32) -> vec4<bool> {
  return vec4<u32>(j) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(hi);
}

// Max of q = x * scale over row elements [lo, hi); -inf when empty.
fn segMax(base: u32, lo: u32, hi: u32) -> f32 {
  var m = vec4<f32>(negInf());
  for (var j = lo; j < hi; j += 4u) { m = select(m, max(m, ldx(base + j) * p.scale), below(j, hi)); }
  return max(max(m.x, m.y), max(m.z, m.w));
}

// exp(q - m) over [lo, hi) with masked and -inf entries 0 (all 0 when m = -inf).
fn expShifted(e: u32, j: u32, hi: u32, m: f32) -> vec4<f32> {
  let q = ldx(e) * p.scale;
  let keep = below(j, hi) & (q > vec4<f32>(negInf())) & vec4<bool>(m > negInf());
  return select(vec4<f32>(0.0), exp(q - m), keep);
}

fn segSum(base: u32, lo: u32, hi: u32, m: f32) -> f32 {
  var s = vec4<f32>(0.0);
  for (var j = lo; j < hi; j += 4u) { s += expShifted(base + j, j, hi, m); }
  return s.x + s.y + s.z + s.w;
}

// (m1, s1) and (m2, s2) as one pair; an empty side has s = 0.
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.y == 0.0) { return a; }
  if (a.y == 0.0) { return b; }
  let m = max(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

fn segment(t: u32) -> vec2<u32> {
  let lo = min(t * p.seg, p.cols);
  return vec2<u32>(lo, min(lo + p.seg, p.cols));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (STAGE == 3u) {
    if (i >= p.rows) { return; }
    let base = i * p.cols;
    let vis = visible(i);
    let m = segMax(base, 0u, vis);
    var s = vec4<f32>(0.0);
    for (var j = 0u; j < p.cols; j += 4u) {
      let v = expShifted(base + j, j, vis, m);
      s += v;
      sty(base + j, v, p.cols - j);
    }
    let z = s.x + s.y + s.z + s.w;
    let inv = select(0.0, 1.0 / z, z > 0.0);
    for (var j = 0u; j < vis; j += 4u) { sty(base + j, ldy(base + j) * inv, p.cols - j); }
  } else if (STAGE == 0u) {
    if (i >= p.rows * p.lanes) { return; }
    let row = i / p.lanes;
    let s = segment(i % p.lanes);
    let hi = min(s.y, visible(row));
    let m = segMax(row * p.cols, s.x, hi);
    part[2u * i] = m;
    part[2u * i + 1u] = segSum(row * p.cols, s.x, hi, m);
  } else if (STAGE == 1u) {
    if (i >= p.rows) { return; }
    var acc = vec2<f32>(negInf(), 0.0);
    for (var t = 0u; t < p.lanes; t++) {
      let k = 2u * (i * p.lanes + t);
      acc = merge(acc, vec2<f32>(part[k], part[k + 1u]));
    }
    part[p.statsAt + 2u * i] = acc.x;
    part[p.statsAt + 2u * i + 1u] = acc.y;
  } else {
    if (i >= p.rows * p.lanes) { return; }
    let row = i / p.lanes;
    let s = segment(i % p.lanes);
    let base = row * p.cols;
    let vis = visible(row);
    let m = part[p.statsAt + 2u * row];
    let z = part[p.statsAt + 2u * row + 1u];
    let inv = select(0.0, 1.0 / z, z > 0.0);
    for (var j = s.x; j < s.y; j += 4u) { sty(base + j, expShifted(base + j, j, vis, m) * inv, s.y - j); }
  }
}
