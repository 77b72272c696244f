// sae_act: SAE activation functions and their gated pieces, elementwise over a, b [batch, d_sae] with
// per-latent vectors v1, v2 [d_sae] (j = column):
// ARCH 0 relu:       out = max(a, 0)
// ARCH 1 jumprelu:   out = a * (a > exp(v1))                   (v1 = log_threshold)
// ARCH 2 threshold:  out = max(a, 0) * (a > v1)                (v1 = threshold: BatchTopK / JumpReLU inference)
// ARCH 3 gated mag:  out = a * exp(v2) + v1                     (a = sae_in W_enc, v1 = b_mag, v2 = r_mag)
// ARCH 4 relu+bias:  out = max(a + v1, 0)                       (gated: relu(gate), v1 = b_gate)
// ARCH 5 gated f:    out = max(a, 0) * (b > 0)                  (a = mag, b = relu(gate))
override ARCH: u32 = 0u;
struct Params { n: u32, cols: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> v1: array<f32>;
@group(0) @binding(4) var<storage, read> v2: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let j = i % p.cols;
  let x = a[i];
  var y = 0.0;
  if (ARCH == 0u) {
    y = max(x, 0.0);
  } else if (ARCH == 1u) {
    y = select(0.0, x, x > exp(v1[j]));
  } else if (ARCH == 2u) {
    y = select(0.0, max(x, 0.0), x > v1[j]);
  } else if (ARCH == 3u) {
    y = x * exp(v2[j]) + v1[j];
  } else if (ARCH == 4u) {
    y = max(x + v1[j], 0.0);
  } else {
    y = select(0.0, max(x, 0.0), b[i] > 0.0);
  }
  out[i] = y;
}
