// batch_topk_kept_log (one invocation): log[slot] = the smallest kept positive value of a batchTopk selection: its
// threshold thr[0] when positive, else the minimum that batch_topk_kept.wgsl left in minbits, else 0 (none positive).
struct Params { slot: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> thr: array<f32>;                   // [1]
@group(0) @binding(2) var<storage, read_write> minbits: array<atomic<u32>>; // [1]
@group(0) @binding(3) var<storage, read_write> log: array<f32>;             // [slots]

const INF_BITS = 0x7f800000u;

@compute @workgroup_size(1)
fn main() {
  let t = thr[0];
  if (t > 0.0) { log[p.slot] = t; return; }
  let b = atomicLoad(&minbits[0]);
  log[p.slot] = select(0.0, bitcast<f32>(b), b < INF_BITS);
}
