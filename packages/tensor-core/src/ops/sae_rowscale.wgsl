// sae_rowscale: row-wise rescaling of w [R, C] by per-row vectors s, n [R]:
// MODE 0 (norm-penalty gradient): dst[r, c] += coef * s[r] / n[r] * w[r, c]
// MODE 1 (unit-norm rows, in place): dst[r, c] /= n[r]                 (w, s unused)
// MODE 2 (fold a norm in, in place): dst[r, c] *= n[r]                 (w, s unused)
override MODE: u32 = 0u;
struct Params { n: u32, cols: u32, coef: f32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read> nrm: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let r = i / p.cols;
  if (MODE == 0u) {
    dst[i] += p.coef * s[r] / nrm[r] * w[i];
  } else if (MODE == 1u) {
    dst[i] = dst[i] / nrm[r];
  } else {
    dst[i] = dst[i] * nrm[r];
  }
}
