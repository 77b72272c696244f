// fused_act_cols: an SAE activation's elementwise pass over [batch, d_sae] fused with its per-latent column sums
// (one read of the big operands instead of three or four). One invocation per latent i looping over the rows, so
// consecutive lanes touch consecutive columns of a row. e = exp(v[i]).
// MODE 0 reluSum:  out = max(a, 0);                        colA = sum_b out       (a = pre: f and sum_b f)
// MODE 1 reluGrad: out = (a + c0 * v[i]) * (b > 0);        colA = sum_b out       (a = d loss/d f, b = f, v = ||W_dec[i]||)
// MODE 2 jumpGrad: out = a * (b > e);                      colA = sum_b out       (a = d loss/d f, b = pre, v = log_threshold)
//                  colB = sum_b rect((b - e) / bw) * e * (-(e / bw) * a - c0 / bw)   (d loss / d log_threshold)
override MODE: u32 = 0u;
// acc: a row block after the first (a tensor over one binding, fused_act_cols.ts): the sums continue colA / colB.
struct Params { rows: u32, cols: u32, c0: f32, bw: f32, acc: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;            // [batch, d_sae]
@group(0) @binding(2) var<storage, read> b: array<f32>;            // [batch, d_sae]
@group(0) @binding(3) var<storage, read> v: array<f32>;            // [d_sae]
@group(0) @binding(4) var<storage, read_write> out: array<f32>;    // [batch, d_sae]
@group(0) @binding(5) var<storage, read_write> colA: array<f32>;   // [d_sae]
@group(0) @binding(6) var<storage, read_write> colB: array<f32>;   // [d_sae]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.cols) { return; }
  var sA = select(0.0, colA[i], p.acc != 0u);
  var sB = 0.0;
  if (MODE == 0u) {
    for (var r = 0u; r < p.rows; r++) {
      let at = r * p.cols + i;
      let y = max(a[at], 0.0);
      out[at] = y;
      sA += y;
    }
  } else if (MODE == 1u) {
    let add = p.c0 * v[i];
    for (var r = 0u; r < p.rows; r++) {
      let at = r * p.cols + i;
      let y = select(0.0, a[at] + add, b[at] > 0.0);
      out[at] = y;
      sA += y;
    }
  } else {
    if (p.acc != 0u) { sB = colB[i]; }
    let e = exp(v[i]);
    let k1 = -(e / p.bw);
    let k0 = -(p.c0 / p.bw);
    for (var r = 0u; r < p.rows; r++) {
      let at = r * p.cols + i;
      let g = a[at];
      let pre = b[at];
      let y = select(0.0, g, pre > e);
      out[at] = y;
      sA += y;
      let u = (pre - e) / p.bw;
      if (u > -0.5 && u < 0.5) { sB += e * (k1 * g + k0); }
    }
    colB[i] = sB;
  }
  colA[i] = sA;
}
