// adam: one in-place Adam/AdamW step per element, in torch.optim.Adam's order of operations:
//   param *= 1 - lr * weightDecay (decoupled, AdamW; skipped when 0), m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g*g,
//   param -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), with bc1 = 1 - b1^step and bc2 = 1 - b2^step from the host.
// oneMinusBeta1/2 come from the host in float64: 1 - 0.999 rounded once, as torch has it (f32 1 - beta2 is 5e-5 off).
// With SCALED the gradient is first multiplied by scale[0], a factor computed on the GPU (e.g. the global-norm clip
// coefficient from sum_squares.wgsl's clip_scale), so clipping needs no readback; without it `scale` is a dummy.
override SCALED: bool = false;
struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, stepSize: f32, bc2Sqrt: f32, oneMinusBeta1: f32, oneMinusBeta2: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;   // [n]
@group(0) @binding(2) var<storage, read> grad: array<f32>;          // [n]
@group(0) @binding(3) var<storage, read_write> m: array<f32>;       // [n]
@group(0) @binding(4) var<storage, read_write> v: array<f32>;       // [n]
@group(0) @binding(5) var<storage, read> scale: array<f32>;         // [1]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  var g = grad[i];
  if (SCALED) { g *= scale[0]; }
  var w = param[i];
  if (p.decay != 0.0) { w *= 1.0 - p.lr * p.decay; }
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = w - p.stepSize * mi / (sqrt(vi) / p.bc2Sqrt + p.eps);
}
