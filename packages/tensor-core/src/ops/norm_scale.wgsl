// norm_scale: LayerNorm or RMSNorm over the last dim that also writes each row's scale (TransformerLens's
// ln.hook_scale): LayerNorm y = (x - mean) / s * w + b with s = sqrt(var + eps); RMSNorm (RMS = 1) y = x / s * w + b
// with s = sqrt(mean(x^2) + eps). One invocation per row, two passes (statistics, then the write), the mean taken
// first so the variance does not cancel.
override RMS: u32 = 0u;

struct Params { rows: u32, cols: u32, eps: f32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;     // [rows, cols]
@group(0) @binding(2) var<storage, read> w: array<f32>;     // [cols]
@group(0) @binding(3) var<storage, read> b: array<f32>;     // [cols]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;     // [rows, cols]
@group(0) @binding(5) var<storage, read_write> scale: array<f32>; // [rows]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let n = f32(p.cols);
  var mean = 0.0;
  if (RMS == 0u) {
    for (var j = 0u; j < p.cols; j++) { mean += x[base + j]; }
    mean /= n;
  }
  var ss = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let d = x[base + j] - mean;
    ss += d * d;
  }
  let s = sqrt(ss / n + p.eps);
  scale[row] = s;
  let inv = 1.0 / s;
  for (var j = 0u; j < p.cols; j++) { y[base + j] = (x[base + j] - mean) * inv * w[j] + b[j]; }
}
