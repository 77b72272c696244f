// matmul: c = alpha * op(a) @ op(b) + bias (+ c when ACCUMULATE), op = optional transpose of the last two dims.
// Each invocation owns a TM x TN block of c; a workgroup is WG invocations side by side along N sharing the same
// TM rows, so every load of a is uniform across the workgroup (a broadcast on CPU drivers) and consecutive lanes
// read consecutive columns of b. No shared memory, no barriers. Out-of-range rows/columns are clamped on load and
// skipped on store, so any M, N, K works. TM and TN are set by the host (const text); the rest are overrides.
struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32, alpha: f32, _pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override WG: u32 = 64u;
const TM = 8u;
const TN = 1u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wid.y * TM;
  let n0 = (wid.x * WG + lid.x) * TN;
  let ao = wid.z * p.strideA;
  let bo = wid.z * p.strideB;
  let co = wid.z * p.strideC;
  // a element (m, k) = a[ao + m * sam + k * sak]; b element (k, n) = b[bo + k * sbk + n * sbn]
  var sam = p.K; var sak = 1u;
  if (TRANS_A) { sam = 1u; sak = p.M; }
  var sbk = p.N; var sbn = 1u;
  if (TRANS_B) { sbk = 1u; sbn = p.K; }
  var arow: array<u32, TM>;
  for (var i = 0u; i < TM; i++) { arow[i] = ao + min(m0 + i, p.M - 1u) * sam; }
  var bcol: array<u32, TN>;
  for (var j = 0u; j < TN; j++) { bcol[j] = bo + min(n0 + j, p.N - 1u) * sbn; }
  var acc: array<array<f32, TN>, TM>;
  for (var k = 0u; k < p.K; k++) {
    var bv: array<f32, TN>;
    for (var j = 0u; j < TN; j++) { bv[j] = b[bcol[j] + k * sbk]; }
    for (var i = 0u; i < TM; i++) {
      let av = a[arow[i] + k * sak];
      for (var j = 0u; j < TN; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      var v = p.alpha * acc[i][j];
      if (HAS_BIAS) { v += bias[n]; }
      let ci = co + m * p.N + n;
      if (ACCUMULATE) { v += c[ci]; }
      c[ci] = v;
    }
  }
}
