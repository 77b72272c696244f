// matmul_lanes_scalar: the llvmpipe form of matmul for sizes that are not multiples of 4 (for example GPT-2's
// 50257-wide unembedding). Same plan as matmul_lanes.wgsl with scalar loads: one 8-lane subgroup per workgroup
// owns a 24 x 24 block of c; lane l loads rows m0 + l + 8s of op(a) and owns columns n0 + l + 8j of op(b).
// Rows and columns past the edge are clamped on load and skipped on store. The //@ lines are unrolled by
// matmul_lanes.ts.
enable subgroups;
struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32, alpha: f32, flags: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

const HAS_BIAS = 1u;
const ACCUMULATE = 2u;

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) l: u32) {
  let m0 = wid.x * 24u; // row blocks vary fastest, as in matmul_lanes.wgsl
  let n0 = wid.y * 24u;
  let ao = wid.z * p.strideA;
  let bo = wid.z * p.strideB;
  //@setup
  //@zero
  for (var k = 0u; k < p.K; k++) {
    //@loads
    //@fma
  }
  //@store
  let rows = min(p.M - m0, 24u);
  let co = wid.z * p.strideC;
  for (var j = 0u; j < 3u; j++) {
    let n = n0 + 8u * j + l;
    if (n >= p.N) { break; }
    var bv = 0.0;
    if ((p.flags & HAS_BIAS) != 0u) { bv = bias[n]; }
    for (var i = 0u; i < rows; i++) {
      let ci = co + (m0 + i) * p.N + n;
      var v = p.alpha * accs[i][j] + bv;
      if ((p.flags & ACCUMULATE) != 0u) { v += c[ci]; }
      c[ci] = v;
    }
  }
}
