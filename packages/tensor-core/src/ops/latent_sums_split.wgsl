// latent_sums_split: latent_sums.wgsl with the values, the lists or out over one binding (latent_lists_split.ts).
// gather (per entry window x pair window): sorted[t] = values[entries[t]] for the entries whose pair is in the pair
// window; sum (per latent window x entry window, in entry order): out[i] continues the sum of i's list over the
// window's part of it (first: from 0), so the additions come in the unsplit kernel's order: the same bits.
struct Params { n: u32, q0: u32, lCount: u32, e0: u32, eCount: u32, first: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;          // pairs [q0, q0 + n)
@group(0) @binding(2) var<storage, read> offsets: array<u32>;         // latents [l0, l0 + lCount]
@group(0) @binding(3) var<storage, read> entries: array<u32>;         // entries [e0, e0 + eCount)
@group(0) @binding(4) var<storage, read_write> sorted: array<f32>;    // entries [e0, e0 + eCount)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;       // latents [l0, l0 + lCount)

fn touch() {
  _ = values[0];
  _ = offsets[0];
  _ = entries[0];
  _ = sorted[0];
  _ = out[0];
}

@compute @workgroup_size(64)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= p.eCount) { return; }
  let q = entries[e];
  if (q >= p.q0 && q - p.q0 < p.n) { sorted[e] = values[q - p.q0]; }
}

@compute @workgroup_size(64)
fn sum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.lCount) { return; }
  var s = select(out[i], 0.0, p.first != 0u);
  for (var t = max(offsets[i], p.e0); t < min(offsets[i + 1u], p.e0 + p.eCount); t++) { s += sorted[t - p.e0]; }
  out[i] = s;
}
