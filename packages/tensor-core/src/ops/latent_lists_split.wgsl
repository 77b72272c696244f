// latent_lists_split: latent_lists.wgsl's counting sort for indices, lists or counts over one binding
// (latent_lists_split.ts). Every dispatch binds a window: pairs [q0, q0 + n) of indices and pos, latents
// [l0, l0 + lCount) of counts and offsets (offsets one more), entry positions [e0, e0 + eCount) of unsorted and
// entries. The stages, each over all the windows it needs:
//   count   per latent: how many pairs selected it (atomics)
//   scan    offsets = exclusive prefix sum, continued from the window before (offsets[l0], written by it)
//   fill    pos[q] = a free slot in its latent's list (atomic cursors, any order)
//   place   unsorted[pos[q]] = q
//   rank    pos[q] = offsets[i] + how many of i's list are < q (summed over the entry windows): sorted by pair
//   scatter entries[pos[q]] = q
// Indices outside [0, d_sae) are left out of every list.
struct Params { n: u32, q0: u32, l0: u32, lCount: u32, dSae: u32, e0: u32, eCount: u32, first: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> indices: array<i32>;              // pairs [q0, q0 + n)
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>; // latents [l0, l0 + lCount)
@group(0) @binding(3) var<storage, read_write> offsets: array<u32>;        // latents [l0, l0 + lCount]
@group(0) @binding(4) var<storage, read_write> pos: array<u32>;            // pairs [q0, q0 + n)
@group(0) @binding(5) var<storage, read_write> unsorted: array<u32>;       // entries [e0, e0 + eCount)
@group(0) @binding(6) var<storage, read_write> entries: array<u32>;        // entries [e0, e0 + eCount)

const WG = 256u;
var<workgroup> partial: array<u32, WG>;
var<workgroup> carry: u32;

/** Every entry point names every binding (layout "auto" must match the bind group). */
fn touch() {
  _ = indices[0];
  _ = atomicLoad(&counts[0]);
  _ = offsets[0];
  _ = pos[0];
  _ = unsorted[0];
  _ = entries[0];
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

/** The latent of pair q of the window, or 0xffffffff when out of [0, d_sae). */
fn latentOf(q: u32) -> u32 {
  let i = indices[q];
  return select(0xffffffffu, u32(i), i >= 0 && u32(i) < p.dSae);
}

/** The latent's index in the latent window, or 0xffffffff when outside it. */
fn inWindow(i: u32) -> u32 {
  return select(0xffffffffu, i - p.l0, i != 0xffffffffu && i >= p.l0 && i - p.l0 < p.lCount);
}

@compute @workgroup_size(256)
fn count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n) { return; }
  let j = inWindow(latentOf(q));
  if (j != 0xffffffffu) { atomicAdd(&counts[j], 1u); }
}

/** One workgroup per latent window, in order; counts become the cursors. */
@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) lid: u32) {
  touch();
  if (lid == 0u) { carry = select(offsets[0], 0u, p.first != 0u); }
  let chunk = (p.lCount + WG - 1u) / WG;
  let c0 = min(p.lCount, lid * chunk);
  let c1 = min(p.lCount, c0 + chunk);
  var s = 0u;
  for (var i = c0; i < c1; i++) { s += atomicLoad(&counts[i]); }
  partial[lid] = s;
  workgroupBarrier();
  var run = carry;
  for (var l = 0u; l < lid; l++) { run += partial[l]; }
  for (var i = c0; i < c1; i++) {
    let c = atomicLoad(&counts[i]);
    offsets[i] = run;
    atomicStore(&counts[i], run);
    run += c;
  }
  if (lid == WG - 1u) { offsets[p.lCount] = run; }
}

@compute @workgroup_size(256)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n) { return; }
  let j = inWindow(latentOf(q));
  if (j != 0xffffffffu) { pos[q] = atomicAdd(&counts[j], 1u); }
}

@compute @workgroup_size(256)
fn place(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n || latentOf(q) == 0xffffffffu) { return; }
  let e = pos[q];
  if (e >= p.e0 && e - p.e0 < p.eCount) { unsorted[e - p.e0] = p.q0 + q; }
}

@compute @workgroup_size(256)
fn rank(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n) { return; }
  let j = inWindow(latentOf(q));
  if (j == 0xffffffffu) { return; }
  let s0 = offsets[j];
  let me = p.q0 + q;
  var r = 0u;
  for (var t = max(s0, p.e0); t < min(offsets[j + 1u], p.e0 + p.eCount); t++) {
    r += select(0u, 1u, unsorted[t - p.e0] < me);
  }
  pos[q] = select(pos[q], s0, p.first != 0u) + r;
}

@compute @workgroup_size(256)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n || latentOf(q) == 0xffffffffu) { return; }
  let e = pos[q];
  if (e >= p.e0 && e - p.e0 < p.eCount) { entries[e - p.e0] = p.q0 + q; }
}
