// batch_topk_radix: after batch_topk_hist.wgsl's counts for one round, picks the key byte holding the remaining-th
// largest element, adds it to the prefix, subtracts the counts of the higher bytes from remaining and zeros the
// histogram for the next round. After the last round the state is [t's bits, need] (need: ties with t to keep),
// batch_topk.wgsl's sel. One invocation; not an op (see batch_topk_split.ts).
struct Params { round: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> state: array<u32>; // [2] key prefix, remaining
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;  // [256]

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

@compute @workgroup_size(1)
fn main() {
  var remaining = state[1];
  var b = 255u;
  loop {
    let h = hist[b];
    if (h >= remaining || b == 0u) { break; }
    remaining -= h;
    b--;
  }
  for (var i = 0u; i < 256u; i++) { hist[i] = 0u; }
  let shift = 24u - 8u * p.round;
  let prefix = state[0] | (b << shift);
  state[1] = remaining;
  state[0] = select(prefix, bitcast<u32>(fromKey(prefix)), p.round == 3u);
}
