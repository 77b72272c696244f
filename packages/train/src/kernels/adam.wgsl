// train_adam: Adam (PyTorch's form) on one parameter with the gradient scaled by the global-norm clip coefficient
// computed here from the per-parameter squared norms in `norms` (n_slots values):
//   coef = max_norm > 0 ? min(1, max_norm / (sqrt(sum norms) + 1e-6)) : 1;  g = coef * grad
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  param -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)
struct Params { n: u32, n_slots: u32, max_norm: f32, lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, sqrt_bc2: f32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  var coef = 1.0;
  if (p.max_norm > 0.0) {
    var total = 0.0;
    for (var s = 0u; s < p.n_slots; s++) { total += norms[s]; }
    coef = min(1.0, p.max_norm / (sqrt(total) + 1e-6));
  }
  let g = coef * grad[i];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - (p.lr / p.bc1) * mi / (sqrt(vi) / p.sqrt_bc2 + p.eps);
}
