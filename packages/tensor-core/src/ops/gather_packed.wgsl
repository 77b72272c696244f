// gather_packed: out[i, col] = w(ids[i] - row0, col) for the ids inside one row chunk [row0, row0 + rows) of a
// PackedMatrix (packed.ts; FORMAT 0 f32, 1 f16, 2 bf16); other ids are left for the chunk that holds them. One
// dispatch per chunk; consecutive lanes on consecutive columns.
override FORMAT: u32 = 0u;

struct Params { n: u32, cols: u32, row0: u32, rows: u32, rowWords: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n * p.cols) { return; }
  let id = ids[i / p.cols];
  let col = i % p.cols;
  if (id < i32(p.row0) || id >= i32(p.row0 + p.rows)) { return; }
  let r = u32(id) - p.row0;
  var v: f32;
  if (FORMAT == 0u) {
    v = bitcast<f32>(w[r * p.rowWords + col]);
  } else {
    let word = w[r * p.rowWords + col / 2u];
    let odd = (col & 1u) == 1u;
    if (FORMAT == 1u) {
      v = select(unpack2x16float(word).x, unpack2x16float(word).y, odd);
    } else {
      v = bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
    }
  }
  out[i] = v;
}
