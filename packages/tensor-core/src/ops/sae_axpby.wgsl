// sae_axpby: out[r, c] = alpha * a[r, c] + beta * b[r, c] + gamma * v[c]   (a, b, out [R, C]; v [C]).
// Centering (x - b_dec), residuals (x - x_hat), scaled MSE gradients and masking by a per-column bias.
struct Params { n: u32, cols: u32, alpha: f32, beta: f32, gamma: f32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  out[i] = p.alpha * a[i] + p.beta * b[i] + p.gamma * v[i % p.cols];
}
