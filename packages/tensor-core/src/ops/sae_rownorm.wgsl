// sae_rownorm: norms[r] = sqrt(sum_c w[r, c]^2) for w [R, C]: the decoder row norms ||W_dec[i]||.
// One invocation per row (R is d_sae: thousands of rows, so the dispatch is wide enough).
struct Params { rows: u32, cols: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  var s = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let x = w[r * p.cols + c];
    s += x * x;
  }
  norms[r] = sqrt(s);
}
