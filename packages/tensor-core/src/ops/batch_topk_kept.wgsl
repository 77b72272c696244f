// batch_topk_kept (a few workgroups striding over out): when the threshold t = thr[0] is not positive (fewer than
// kTotal values are positive), ReLU out in place and atomicMin the bits of its positive values into minbits (for
// positive f32 the bit patterns order as the values). A uniform early return when t > 0, the common case: few
// invocations, so it costs next to nothing even where invocations are not free (lavapipe).
struct Params { n: u32, stride: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> thr: array<f32>;               // [1]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;         // [n]
@group(0) @binding(3) var<storage, read_write> minbits: array<atomic<u32>>; // [1], +inf bits on entry

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (thr[0] > 0.0) { return; }
  var m = 0x7f800000u;
  for (var i = gid.x; i < p.n; i += p.stride) {
    let v = out[i];
    if (v > 0.0) { m = min(m, bitcast<u32>(v)); } else { out[i] = 0.0; }
  }
  if (m < 0x7f800000u) { atomicMin(&minbits[0], m); }
}
