// layernorm: y = (x - mean) / sqrt(var + eps) * gamma + beta over the last dim, without workgroup barriers.
// STAGE 0: `lanes` invocations share a row; each sums (x - k) and (x - k)^2 over its vec4s (k = the row's first
//          element, a shift that keeps the one-pass variance from cancelling) into part[2 * (row * lanes + t)].
// STAGE 1: one invocation per row folds its partials into (mean, rstd) at part[statsAt + 2 * row].
// STAGE 2: one invocation per vec4 of the flat tensor writes y (whole vec4s: elements past the end land in the
//          buffer's padding, so rows need not be vec4-aligned).
override STAGE: u32 = 0u;

struct Params { rows: u32, cols: u32, lanes: u32, statsAt: u32, eps: f32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;

fn element(e: u32) -> f32 {
  return x[e / 4u][e % 4u];
}

fn partials(row: u32, t: u32) {
  let start = row * p.cols;
  let end = start + p.cols;
  let lo = vec4<u32>(start);
  let hi = vec4<u32>(end);
  let k = element(start);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  for (var v = start / 4u + t; v * 4u < end; v += p.lanes) {
    let e = vec4<u32>(v * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
    let d = select(vec4<f32>(0.0), x[v] - k, (e >= lo) & (e < hi));
    s1 += d;
    s2 += d * d;
  }
  let i = 2u * (row * p.lanes + t);
  part[i] = s1.x + s1.y + s1.z + s1.w;
  part[i + 1u] = s2.x + s2.y + s2.z + s2.w;
}

fn stats(row: u32) {
  var s1 = 0.0;
  var s2 = 0.0;
  for (var t = 0u; t < p.lanes; t++) {
    let i = 2u * (row * p.lanes + t);
    s1 += part[i];
    s2 += part[i + 1u];
  }
  let n = f32(p.cols);
  let m = s1 / n; // mean of x - k
  let variance = max(s2 / n - m * m, 0.0);
  part[p.statsAt + 2u * row] = element(row * p.cols) + m;
  part[p.statsAt + 2u * row + 1u] = inverseSqrt(variance + p.eps);
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
    let xv = x[i];
    var y = vec4<f32>(0.0);
    for (var k = 0u; k < 4u; k++) {
      let row = e[k] / p.cols;
      let j = e[k] % p.cols;
      let at = p.statsAt + 2u * row;
      y[k] = (xv[k] - part[at]) * part[at + 1u] * gamma[j] + beta[j];
    }
    out[i] = y;
  }
}
