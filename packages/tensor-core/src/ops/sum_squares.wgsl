// sum_squares and clip_scale: global-norm gradient clipping on the GPU, no readback.
//   sum_squares (one workgroup): out[slot] = sum_i a[i]^2, a strided loop per lane then a shared-memory tree.
//     One slot per parameter tensor; the slots of one step are then read by clip_scale.
//   clip_scale (one invocation): out[0] = min(1, max_norm / (sqrt(sum_s a[s]) + 1e-6)), or 1 when max_norm <= 0:
//     torch.nn.utils.clip_grad_norm_'s clamped coefficient, with a = the squared norms [n].
// Not a general reduction: one workgroup per call is plenty for a gradient, and is deterministic.
struct Params { n: u32, slot: u32, max_norm: f32, _pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;         // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [slots] (sum_squares) or [1] (clip_scale)
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn sum_squares(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = t; i < p.n; i += 256u) { let x = a[i]; s += x * x; }
  partial[t] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (t < w) { partial[t] += partial[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[p.slot] = partial[0]; }
}

@compute @workgroup_size(1)
fn clip_scale() {
  var coef = 1.0;
  if (p.max_norm > 0.0) {
    var total = 0.0;
    for (var s = 0u; s < p.n; s++) { total += a[s]; }
    coef = min(1.0, p.max_norm / (sqrt(total) + 1e-6));
  }
  out[0] = coef;
}
