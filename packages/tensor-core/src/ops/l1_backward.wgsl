// l1_backward: the L1 sparsity penalty loss = lambda * sum_b sum_i |f[b,i]| * ||W_dec[i]|| and its gradients, in four
// entry points: norms (row norms of W_dec, once), columns (gradF += lambda * sign(f) * norm, column |f| sums),
// decoder (gradWdec += lambda * colAbs[i] / norm[i] * W_dec[i]; 0 for a zero row), loss (one workgroup, fixed order).
// sign(0) = 0.
// ACC 1 (columns over a later block of batch rows, l1_backward.ts): colAbs continues the sums of earlier blocks.
override ACC: u32 = 0u;

struct Params { batch: u32, dSae: u32, dIn: u32, lambda: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> f: array<f32>;              // [batch, d_sae]
@group(0) @binding(2) var<storage, read> W: array<f32>;              // [d_sae, d_in]
@group(0) @binding(3) var<storage, read_write> gradF: array<f32>;    // [batch, d_sae]
@group(0) @binding(4) var<storage, read_write> gradW: array<f32>;    // [d_sae, d_in]
@group(0) @binding(5) var<storage, read_write> norms: array<f32>;    // [d_sae]
@group(0) @binding(6) var<storage, read_write> colAbs: array<f32>;   // [d_sae]
@group(0) @binding(7) var<storage, read_write> loss: array<f32>;     // [1]

var<workgroup> partial: array<f32, 64>;

/** Every entry point names every binding (layout "auto" must match the bind group). */
fn touch() {
  _ = f[0];
  _ = W[0];
  _ = gradF[0];
  _ = gradW[0];
  _ = norms[0];
  _ = colAbs[0];
  _ = loss[0];
}

/** 8 latents per workgroup, 8 lanes per latent along d_in. */
@compute @workgroup_size(64)
fn rowNorms(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  touch();
  let i = (wid.x + wid.y * nwg.x) * 8u + lid / 8u;
  let lane = lid % 8u;
  var s = 0.0;
  if (i < p.dSae) {
    for (var d = lane; d < p.dIn; d += 8u) { let w = W[i * p.dIn + d]; s += w * w; }
  }
  partial[lid] = s;
  workgroupBarrier();
  if (lane == 0u && i < p.dSae) {
    var t = 0.0;
    for (var l = 0u; l < 8u; l++) { t += partial[lid + l]; }
    norms[i] = sqrt(t);
  }
}

@compute @workgroup_size(64)
fn columns(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.dSae) { return; }
  let g = p.lambda * norms[i];
  var s = 0.0;
  if (ACC == 1u) { s = colAbs[i]; }
  for (var b = 0u; b < p.batch; b++) {
    let v = f[b * p.dSae + i];
    gradF[b * p.dSae + i] += g * sign(v);
    s += abs(v);
  }
  colAbs[i] = s;
}

@compute @workgroup_size(64)
fn decoder(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= p.dSae * p.dIn) { return; }
  let i = e / p.dIn;
  let n = norms[i];
  if (n > 0.0) { gradW[e] += p.lambda * colAbs[i] / n * W[e]; }
}

@compute @workgroup_size(64)
fn total(@builtin(local_invocation_index) lid: u32) {
  touch();
  var s = 0.0;
  for (var i = lid; i < p.dSae; i += 64u) { s += colAbs[i] * norms[i]; }
  partial[lid] = s;
  workgroupBarrier();
  if (lid == 0u) {
    var t = 0.0;
    for (var l = 0u; l < 64u; l++) { t += partial[l]; }
    loss[0] = p.lambda * t;
  }
}
