// transpose: x [R, C] -> y [C, R] (batched: [B, R, C] -> [B, C, R]). One invocation moves a 4 x 4 tile;
// consecutive invocations take consecutive tiles along C, so a group of lanes reads contiguous rows of x.
// main: any R, C (scalar loads, bounds-checked). main4: R and C multiples of 4 (vec4 loads and stores: on
// llvmpipe every storage access is a per-lane loop, so four floats per access is four times fewer loops).
struct Params { R: u32, C: u32, tilesR: u32, tilesC: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y4: array<vec4<f32>>;

fn tile(gid: vec3<u32>, nwg: vec3<u32>) -> vec3<u32> {
  let t = gid.x + gid.y * nwg.x * 64u; // tile index within one matrix; gid.z is the matrix
  return vec3<u32>(t / p.tilesC, t % p.tilesC, gid.z);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tile(gid, nwg);
  if (t.x >= p.tilesR) { return; }
  let base = t.z * p.R * p.C;
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * t.x + i;
    for (var j = 0u; j < 4u; j++) {
      let c = 4u * t.y + j;
      if (r < p.R && c < p.C) { y[base + c * p.R + r] = x[base + r * p.C + c]; }
    }
  }
}

@compute @workgroup_size(64)
fn main4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tile(gid, nwg);
  if (t.x >= p.tilesR) { return; }
  let R4 = p.R / 4u;
  let C4 = p.C / 4u;
  let base = t.z * R4 * p.C;
  let r0 = base + 4u * t.x * C4 + t.y;
  let v0 = x4[r0];
  let v1 = x4[r0 + C4];
  let v2 = x4[r0 + 2u * C4];
  let v3 = x4[r0 + 3u * C4];
  let c0 = base + 4u * t.y * R4 + t.x;
  y4[c0] = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
  y4[c0 + R4] = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
  y4[c0 + 2u * R4] = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
  y4[c0 + 3u * R4] = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
}
