// copy_block: copies a window of rows x cols elements between two row-major matrices with their own row strides
// and element offsets (within the bound ranges). 4-byte elements as raw bits, so it serves f32 and i32.
struct Params { n: u32, cols: u32, sStride: u32, sOff: u32, dStride: u32, dOff: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) {
    return;
  }
  let r = i / p.cols;
  let c = i - r * p.cols;
  dst[p.dOff + r * p.dStride + c] = src[p.sOff + r * p.sStride + c];
}
