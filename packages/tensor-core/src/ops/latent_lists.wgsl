// latent_lists: for each latent i, the list of (b, j) pairs (as pair = b * k + j) whose index is i, sorted by pair,
// built by a counting sort: count (atomics on u32 counts), scan (one workgroup: offsets), fill (atomic cursors,
// any order), sort (each entry ranks itself inside its list: deterministic order for the float sums that follow).
// Indices outside [0, d_sae) are left out of every list.
struct Params { n: u32, dSae: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> indices: array<i32>;              // [n] = [batch * k]
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>; // [d_sae] counts, then fill cursors
@group(0) @binding(3) var<storage, read_write> offsets: array<u32>;        // [d_sae + 1]
@group(0) @binding(4) var<storage, read_write> unsorted: array<u32>;       // [n]
@group(0) @binding(5) var<storage, read_write> sorted: array<u32>;         // [n]

const WG = 256u;
var<workgroup> partial: array<u32, WG>;

/** Every entry point names every binding (layout "auto" must match the bind group). */
fn touch() {
  _ = indices[0];
  _ = atomicLoad(&counts[0]);
  _ = offsets[0];
  _ = unsorted[0];
  _ = sorted[0];
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn latentOf(pair: u32) -> u32 {
  let i = indices[pair];
  return select(0xffffffffu, u32(i), i >= 0 && u32(i) < p.dSae);
}

@compute @workgroup_size(256)
fn count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n) { return; }
  let i = latentOf(q);
  if (i != 0xffffffffu) { atomicAdd(&counts[i], 1u); }
}

/** One workgroup: offsets = exclusive prefix sum of counts (offsets[d_sae] = total); counts become cursors. */
@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) lid: u32) {
  touch();
  let chunk = (p.dSae + WG - 1u) / WG;
  let c0 = min(p.dSae, lid * chunk);
  let c1 = min(p.dSae, c0 + chunk);
  var s = 0u;
  for (var i = c0; i < c1; i++) { s += atomicLoad(&counts[i]); }
  partial[lid] = s;
  workgroupBarrier();
  var run = 0u;
  for (var l = 0u; l < lid; l++) { run += partial[l]; }
  for (var i = c0; i < c1; i++) {
    let c = atomicLoad(&counts[i]);
    offsets[i] = run;
    atomicStore(&counts[i], run);
    run += c;
  }
  if (lid == WG - 1u) { offsets[p.dSae] = run; }
}

@compute @workgroup_size(256)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let q = flat(gid, nwg);
  if (q >= p.n) { return; }
  let i = latentOf(q);
  if (i != 0xffffffffu) {
    unsorted[atomicAdd(&counts[i], 1u)] = q;
  }
}

@compute @workgroup_size(256)
fn sort(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  touch();
  let e = flat(gid, nwg);
  if (e >= offsets[p.dSae]) { return; }
  let q = unsorted[e];
  let i = latentOf(q);
  let s0 = offsets[i];
  let s1 = offsets[i + 1u];
  var rank = 0u;
  for (var t = s0; t < s1; t++) { rank += select(0u, 1u, unsorted[t] < q); }
  sorted[s0 + rank] = q;
}
