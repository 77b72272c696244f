// active_indices: out[q] = indices[q] where values[q] > 0, else -1 (out of range: the sparse kernels and
// latentLists skip such pairs). One invocation per pair.
struct Params { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * 64u;
  if (q >= p.n) { return; }
  out[q] = select(-1, indices[q], values[q] > 0.0);
}
