// KL(P || Q) per row of two logits tensors x (P) and y (Q) [rows, V], the second pass after logsumexp.wgsl (MODE 1)
// wrote each row's (max, sum exp(. - max)) pair for both. One workgroup of 256 per row sums, with e_j = exp(x_j - mP)
// and d_j = x_j - y_j,
//   Z = sum e_j,  S1 = sum e_j d_j,  S2 = sum (exp(y_j - mP) - e_j)  (e_j expm1(-d_j) for |d_j| < 1/4),
// per invocation in two levels (blocks of 16 strided terms, then their sums) and a pairwise tree. With
// lseQ - lseP = log1p(S2 / Z) = (mQ - mP) + log(sQ / Z):
//   KL = S1 / Z + (lseQ - lseP)
// taking the log1p form when |S2 / Z| < 1/2 (q near p: a small KL is not the difference of two ~17-nat lse's) and
// the pairs otherwise (also when Q's max is over 80 above P's, where exp(y_j - mP) could overflow).
// Terms with p_j = 0 (x_j = -inf) add to S2 only. sOff: the pairs' offset in sp and sq. Offsets as in logsumexp.wgsl.
struct Params { rows: u32, V: u32, xOff: u32, yOff: u32, sOff: u32, oOff: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [rows, V]  P's logits
@group(0) @binding(2) var<storage, read> y: array<f32>;         // [rows, V]  Q's logits
@group(0) @binding(3) var<storage, read> sp: array<f32>;        // [rows, 2]  P's (max, sum exp)
@group(0) @binding(4) var<storage, read> sq: array<f32>;        // [rows, 2]  Q's (max, sum exp)
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // [rows]
var<workgroup> red: array<vec3<f32>, 256>;

// exp(v) - 1, accurate near 0 (Taylor to v^7 for |v| < 1/4: relative error under 2e-9).
fn expm1(v: f32) -> f32 {
  if (abs(v) >= 0.25) { return exp(v) - 1.0; }
  let tail = 1.0 / 24.0 + v * (1.0 / 120.0 + v * (1.0 / 720.0 + v / 5040.0));
  return v * (1.0 + v * (0.5 + v * (1.0 / 6.0 + v * tail)));
}

// log(1 + u), accurate near 0 (series to u^5 for |u| < 1e-2).
fn log1p(u: f32) -> f32 {
  if (abs(u) >= 0.01) { return log(1.0 + u); }
  return u * (1.0 - u * (0.5 - u * (1.0 / 3.0 - u * (0.25 - u * 0.2))));
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let k = p.sOff + 2u * row;
  let mp = sp[k];
  let near = sq[k] - mp < 80.0;
  let xb = p.xOff + row * p.V;
  let yb = p.yOff + row * p.V;
  var s = vec3<f32>(0.0); // (Z, S1, S2)
  for (var j0 = t; j0 < p.V; j0 += 4096u) {
    var b = vec3<f32>(0.0);
    for (var j = j0; j < min(j0 + 4096u, p.V); j += 256u) {
      let a = x[xb + j];
      let d = a - y[yb + j];
      let e = exp(a - mp);
      let s2 = select(exp(y[yb + j] - mp) - e, e * expm1(-d), abs(d) < 0.25);
      b += vec3<f32>(e, select(e * d, 0.0, e == 0.0), select(0.0, s2, near));
    }
    s += b;
  }
  red[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] += red[t + w]; }
    workgroupBarrier();
  }
  if (t != 0u) { return; }
  let z = red[0].x;
  let u = red[0].z / z;
  let dl = select((sq[k] - mp) + log(sq[k + 1u] / z), log1p(u), near && abs(u) < 0.5);
  out[p.oOff + row] = red[0].y / z + dl;
}
