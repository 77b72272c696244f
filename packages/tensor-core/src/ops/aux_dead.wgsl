// aux_dead (one workgroup): the TopK family's dead latents on the device, from since_fired [n]: dead[i] = 1 where
// since_fired[i] > window (else 0), bias[i] = 0 where dead (else -3e38, pushing live latents below every score),
// and the aux-k coefficients coef = c, twice = 2c, c = scale * min(n_dead / k_aux, 1) (n_dead counted exactly in u32).
struct Params { n: u32, window: f32, k_aux: f32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> since: array<f32>;       // [n]
@group(0) @binding(2) var<storage, read_write> dead: array<f32>;  // [n]
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;  // [n]
@group(0) @binding(4) var<storage, read_write> coef: array<f32>;  // [1]
@group(0) @binding(5) var<storage, read_write> twice: array<f32>; // [1]
var<workgroup> counts: array<u32, 256>;

const EXCLUDED = -3e38;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var c = 0u;
  for (var i = t; i < p.n; i += 256u) {
    let d = since[i] > p.window;
    dead[i] = select(0.0, 1.0, d);
    bias[i] = select(EXCLUDED, 0.0, d);
    c += select(0u, 1u, d);
  }
  counts[t] = c;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { counts[t] += counts[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    let v = p.scale * min(f32(counts[0]) / p.k_aux, 1.0);
    coef[0] = v;
    twice[0] = 2.0 * v;
  }
}
