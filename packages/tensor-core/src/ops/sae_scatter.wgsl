// sae_scatter: dense[b, idx[b, j]] = RELU ? max(val[b, j], 0) : val[b, j] for val, idx [batch, k] into
// dense [batch, d_sae] (zeroed by the caller). The TopK activation and the aux-k activations. Indices outside
// [0, d_sae) (activeIndices marks unfired pairs -1) are skipped.
override RELU: bool = true;
struct Params { n: u32, k: u32, cols: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> val: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dense: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let b = i / p.k;
  let c = idx[i];
  if (c < 0 || u32(c) >= p.cols) { return; }
  let x = val[i];
  dense[b * p.cols + u32(c)] = select(x, max(x, 0.0), RELU);
}
