// layernorm: y = (x - mean) / sqrt(var + eps) * gamma + beta over the last dim, without workgroup barriers.
// Invocation (row, t) owns the contiguous segment [t * seg, (t + 1) * seg) of its row (alias.ts rowSplit).
// Statistics are sums of (x - k) and (x - k)^2 with k = the row's first element, a shift that keeps the one-pass
// variance from cancelling (and the mean exact for rows with a large mean and small spread).
// STAGE 3 (one lane per row, the usual case): the lane makes two passes over its row (sums, then the write, from
//          cache); gamma/beta indices are the same in every lane.
// With wide rows cut into `lanes` segments:
// STAGE 0: each segment's sums into part[2 * (row * lanes + t)].
// STAGE 1: one invocation per row folds its partials into (mean, rstd) at part[statsAt + 2 * row].
// STAGE 2: each segment writes its part of y.
// x and y are array<Elem> with ldx()/sty() from row_io.ts (vec4s when cols % 4 == 0).
override STAGE: u32 = 0u;

struct Params { rows: u32, cols: u32, lanes: u32, statsAt: u32, eps: f32, seg: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<Elem>;

// Two functions, not one taking a ptr<storage>: naga (Deno, Firefox) rejects storage pointers as parameters.
fn gamma4(j: u32) -> vec4<f32> {
  return vec4<f32>(gamma[j], gamma[j + 1u], gamma[j + 2u], gamma[j + 3u]);
}

fn beta4(j: u32) -> vec4<f32> {
  return vec4<f32>(beta[j], beta[j + 1u], beta[j + 2u], beta[j + 3u]);
}

// Sums of (x - k) and (x - k)^2 over row elements [lo, hi).
fn sums(row: u32, lo: u32, hi: u32, k: f32) -> vec2<f32> {
  let base = row * p.cols;
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  for (var j = lo; j < hi; j += 4u) {
    let inside = vec4<u32>(j) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(hi);
    let d = select(vec4<f32>(0.0), ldx(base + j) - k, inside);
    s1 += d;
    s2 += d * d;
  }
  return vec2<f32>(s1.x + s1.y + s1.z + s1.w, s2.x + s2.y + s2.z + s2.w);
}

fn normalise(row: u32, lo: u32, hi: u32, mean: f32, rstd: f32) {
  let base = row * p.cols;
  for (var j = lo; j < hi; j += 4u) {
    let v = (ldx(base + j) - mean) * rstd * gamma4(j) + beta4(j);
    sty(base + j, v, hi - j);
  }
}

fn segment(t: u32) -> vec2<u32> {
  let lo = min(t * p.seg, p.cols);
  return vec2<u32>(lo, min(lo + p.seg, p.cols));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let n = f32(p.cols);
  if (STAGE == 3u) {
    if (i >= p.rows) { return; }
    let k = ldx(i * p.cols).x;
    let s = sums(i, 0u, p.cols, k) / n;
    normalise(i, 0u, p.cols, k + s.x, inverseSqrt(max(s.y - s.x * s.x, 0.0) + p.eps));
  } else if (STAGE == 0u) {
    if (i >= p.rows * p.lanes) { return; }
    let row = i / p.lanes;
    let s = segment(i % p.lanes);
    let k = ldx(row * p.cols).x;
    let v = sums(row, s.x, s.y, k);
    part[2u * i] = v.x;
    part[2u * i + 1u] = v.y;
  } else if (STAGE == 1u) {
    if (i >= p.rows) { return; }
    var s1 = 0.0;
    var s2 = 0.0;
    for (var t = 0u; t < p.lanes; t++) {
      s1 += part[2u * (i * p.lanes + t)];
      s2 += part[2u * (i * p.lanes + t) + 1u];
    }
    let m = s1 / n; // mean of x - k
    let variance = max(s2 / n - m * m, 0.0);
    part[p.statsAt + 2u * i] = ldx(i * p.cols).x + m;
    part[p.statsAt + 2u * i + 1u] = inverseSqrt(variance + p.eps);
  } else {
    if (i >= p.rows * p.lanes) { return; }
    let row = i / p.lanes;
    let s = segment(i % p.lanes);
    normalise(row, s.x, s.y, part[p.statsAt + 2u * row], part[p.statsAt + 2u * row + 1u]);
  }
}
