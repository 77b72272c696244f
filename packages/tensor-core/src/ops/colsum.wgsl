// colsum: out[chunk, c] = sum of x[r, c] over the rows r of one chunk of `chunkRows` rows. One invocation per
// (chunk, quad of 4 columns), consecutive lanes on consecutive quads, so a lane group reads a contiguous run of
// each row; chunks are short enough (reduce.ts) that the groups walking the same rows find them in cache. With
// one chunk this is the whole column sum; with several, a second launch over the [chunks, C] partials finishes
// it. Partials go to rows from dst0 on (one launch per row block of an x over one binding). x is array<Elem>
// read through ldx() (row_io.ts); a last quad past C is masked.
struct Params { rows: u32, cols: u32, chunkRows: u32, chunks: u32, dst0: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let quads = (p.cols + 3u) / 4u;
  if (i >= p.chunks * quads) { return; }
  let chunk = i / quads;
  let c = 4u * (i % quads);
  let r0 = chunk * p.chunkRows;
  let r1 = min(p.rows, r0 + p.chunkRows);
  var acc = vec4<f32>(0.0);
  for (var r = r0; r < r1; r++) { acc += ldx(r * p.cols + c); }
  let o = (p.dst0 + chunk) * p.cols + c;
  for (var k = 0u; k < 4u && c + k < p.cols; k++) { out[o + k] = acc[k]; }
}
