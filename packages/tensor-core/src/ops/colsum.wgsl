// colsum: out[chunk, c] = sum of x[r, c] over the rows r of one chunk of `chunkRows` rows; one invocation per
// (chunk, c), consecutive lanes on consecutive columns. With one chunk this is the whole column sum; with
// several, a second launch over the [chunks, C] partials finishes it.
struct Params { rows: u32, cols: u32, chunkRows: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.chunks * p.cols) { return; }
  let c = i % p.cols;
  let r0 = (i / p.cols) * p.chunkRows;
  let r1 = min(p.rows, r0 + p.chunkRows);
  var acc = 0.0;
  for (var r = r0; r < r1; r++) { acc += x[r * p.cols + c]; }
  out[i] = acc;
}
