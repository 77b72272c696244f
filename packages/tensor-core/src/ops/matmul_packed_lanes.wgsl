// matmul_packed_lanes: the CPU-driver (lavapipe/llvmpipe) form of matmul_packed.wgsl, built like matmul_lanes.wgsl:
// one workgroup is one subgroup of 8 lanes and owns a ROWS x 32 block of c (ROWS 1, 8 or 32: decode steps of 1-8
// rows use the small ones); lane l owns columns nb = 32 * wid.y + 4l .. +3 for all ROWS rows. Every k-step of 4,
// each lane loads ceil(ROWS / 8) rows of a (4 floats each) and shares them with subgroupBroadcast, and loads the
// words of its own 4 columns: f16 / bf16 pairs unpacked as they are loaded (8 words per k-step, where f32 weights
// need 16 loads; on llvmpipe every storage load is a per-lane scalar loop, so loads are the cost). Edge rows and
// columns are clamped on load and skipped on store; in a last partial k-step the a values past K are zeroed (the
// weights read there are other finite weights or padding, times 0), so any M, K, N works.
// The weight is one row chunk of a PackedMatrix, as in matmul_packed.wgsl: TRANS_B, rows n0.. of w^T [nc, K];
// else rows k0.. of w [K, nc] whose part the caller accumulates. Needs subgroups of exactly 8.
// The lines marked //@ are written by matmul_packed_lanes.ts (unrolled; the broadcast lane must be a constant).
enable subgroups;
struct Params { M: u32, K: u32, nc: u32, N: u32, n0: u32, rowWords: u32, alpha: f32, k0: u32, lda: u32, flags: u32 }
@group(0) @binding(0) var<uniform> p: Params;
alias AT = f32; // vec4<f32> and vec2<u32> (halves) or vec4<u32> (f32) where rows are aligned: set by the generator
alias WT = u32;
@group(0) @binding(1) var<storage, read> a: array<AT>;
@group(0) @binding(2) var<storage, read> w: array<WT>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

const ROWS = 32u; // rows of c per workgroup: 1, 8 or 32, set by matmul_packed_lanes.ts
const HAS_BIAS = 1u; // flags bits: runtime, so one pipeline per format, layout and ROWS
const ACCUMULATE = 2u;

/** The two values of a packed word (the even column in the low half). */
fn pair(word: u32) -> vec2<f32> {
  //@pair
}

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) l: u32) {
  let m0 = wid.x * ROWS; // row blocks vary fastest: consecutive workgroups reuse one block of w
  let nb = wid.y * 32u + 4u * l;
  let rw = p.rowWords;
  //@setup
  //@zero
  let K4 = (p.K + 3u) / 4u;
  for (var k4 = 0u; k4 < K4; k4++) {
    let k = k4 * 4u;
    let kin = vec4<u32>(k) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(p.K); // a past k = K is zeroed
    //@loads
    //@fma
  }
  //@store
  let rows = min(p.M - m0, ROWS);
  for (var j = 0u; j < 4u; j++) {
    let n = nb + j;
    if (n >= p.nc) { break; }
    var bv = 0.0;
    if ((p.flags & HAS_BIAS) != 0u) { bv = bias[p.n0 + n]; }
    for (var i = 0u; i < rows; i++) {
      let ci = (m0 + i) * p.N + p.n0 + n;
      var v = p.alpha * accs[i][j] + bv;
      if ((p.flags & ACCUMULATE) != 0u) { v += c[ci]; }
      c[ci] = v;
    }
  }
}
