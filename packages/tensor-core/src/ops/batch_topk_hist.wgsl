// batch_topk_hist: one round of batchTopk's radix select (used when x is over one binding; see batch_topk_split.ts).
// Counts, per value of key byte `round` (0 = highest), the elements of a block of x whose higher key bytes equal
// the prefix found so far. Keys order floats (-0 as +0); integer atomics, so the counts are exact.
struct Params { n: u32, round: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;                 // a block of x, n elements
@group(0) @binding(2) var<storage, read> state: array<u32>;             // [2] key prefix, remaining
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>; // [256]

fn toKey(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if (b == 0x80000000u) { b = 0u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let key = toKey(x[i]);
  let shift = 24u - 8u * p.round;
  let high = shift + 8u;
  if (high < 32u && (key >> high) != (state[0] >> high)) { return; }
  atomicAdd(&hist[(key >> shift) & 255u], 1u);
}
