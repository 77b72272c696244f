// matmul_lanes: the CPU-driver (lavapipe/llvmpipe) form of matmul. One workgroup is one subgroup of 8 lanes and
// owns a 32 x 32 block of c: lane l owns columns n0 + 4l .. 4l+3 for all 32 rows. Every k-step of 4, each lane
// loads a quarter of the block's a values and shares them with subgroupBroadcast, and loads its own b values as
// vec4s. On llvmpipe every load from a storage buffer is a per-lane scalar loop with a bounds check, so this
// layout is about loads: each float the block needs is loaded once (64 floats per k for 2048 flops).
// Not for GPUs (matmul.wgsl is): it needs subgroups of exactly 8 and N, K (and M with TRANS_A) multiples of 4.
// The lines marked //@ are unrolled by matmul_lanes.ts: the driver does not unroll them itself, and the
// broadcast lane must be a constant.
enable subgroups;
struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32, alpha: f32, flags: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c: array<vec4<f32>>;

const HAS_BIAS = 1u; // flags bits: runtime, so one pipeline per transpose pair (each takes seconds to compile)
const ACCUMULATE = 2u;

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) l: u32) {
  let M4 = p.M / 4u;
  let N4 = p.N / 4u;
  let K4 = p.K / 4u;
  let m0 = wid.x * 32u; // row blocks vary fastest: consecutive workgroups reuse one block of b (fewer cache misses)
  let n4 = min(wid.y * 8u + l, N4 - 1u); // this lane's vec4 of columns, clamped for edge blocks
  let ao = wid.z * (p.strideA / 4u);
  let bo = wid.z * (p.strideB / 4u);
  //@setup
  //@zero
  for (var k4 = 0u; k4 < K4; k4++) {
    let k = k4 * 4u;
    //@loads
    //@fma
  }
  let n = wid.y * 32u + 4u * l;
  if (n >= p.N) { return; }
  var bv = vec4<f32>();
  if ((p.flags & HAS_BIAS) != 0u) { bv = bias[n / 4u]; }
  let co = wid.z * (p.strideC / 4u) + n / 4u;
  //@store
  let rows = min(p.M - m0, 32u);
  for (var i = 0u; i < rows; i++) {
    let ci = co + (m0 + i) * N4;
    var v = p.alpha * accs[i] + bv;
    if ((p.flags & ACCUMULATE) != 0u) { v += c[ci]; }
    c[ci] = v;
  }
}
