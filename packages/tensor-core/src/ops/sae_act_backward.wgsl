// sae_act_backward: elementwise pieces of the SAE activations' backward over a, b, c [batch, d_sae] and a
// per-latent vector v [d_sae] (j = column, e = exp(v[j])):
// MODE 0 mask:        out = a * (b > 0)                        (gradient through ReLU-like gates; b = f)
// MODE 1 mask-add:    out = c + a * (b != 0)                   (adds the aux-k path: a = gA, b = A, c = g_pre)
// MODE 2 jump thr:    out = rect((b - e) / bw) * e * (-(e / bw) * a - c0 / bw)
//                     (a = d loss / d f, b = pre, v = log_threshold: per-element d loss / d log_threshold)
// MODE 3 gated h:     out = a + e * b                           (a = g_gate, b = g_mag, v = r_mag)
// MODE 4 gated r_mag: out = a * b * e                           (a = g_mag, b = sae_in W_enc, v = r_mag)
override MODE: u32 = 0u;
struct Params { n: u32, cols: u32, c0: f32, bw: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let j = i % p.cols;
  let x = a[i];
  var y = 0.0;
  if (MODE == 0u) {
    y = select(0.0, x, b[i] > 0.0);
  } else if (MODE == 1u) {
    y = c[i] + select(0.0, x, b[i] != 0.0);
  } else if (MODE == 2u) {
    let e = exp(v[j]);
    let u = (b[i] - e) / p.bw;
    if (u > -0.5 && u < 0.5) { y = e * (-(e / p.bw) * x - p.c0 / p.bw); }
  } else if (MODE == 3u) {
    y = x + exp(v[j]) * b[i];
  } else {
    y = x * b[i] * exp(v[j]);
  }
  out[i] = y;
}
