// matmul_packed: c[m, n0 + n] = alpha * sum_k a[m, k0 + k] w(k, n) (+ bias[n0 + n]) (+ c when ACCUMULATE), with
// the weight one row chunk of a PackedMatrix (packed.ts): FORMAT 0 f32 words, 1 f16 pairs, 2 bf16 pairs. TRANS_B:
// the chunk holds w^T rows n0.. [nc, K] (an unembedding [d_vocab, d_model]); else rows k0.. [K, nc] of w, and the
// caller accumulates the chunks. a is [M, lda]. Each invocation keeps TM rows of one column in registers; the weight
// value is unpacked once per k for all TM rows.
override FORMAT: u32 = 0u;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
const TM = 4u;

struct Params { M: u32, K: u32, nc: u32, N: u32, n0: u32, rowWords: u32, alpha: f32, k0: u32, lda: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

/** Element (r, col) of the chunk's [rows, cols] matrix. */
fn wAt(r: u32, col: u32) -> f32 {
  if (FORMAT == 0u) { return bitcast<f32>(w[r * p.rowWords + col]); }
  let word = w[r * p.rowWords + col / 2u];
  let odd = (col & 1u) == 1u;
  if (FORMAT == 1u) { return select(unpack2x16float(word).x, unpack2x16float(word).y, odd); }
  return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let m0 = gid.y * TM;
  if (n >= p.nc) { return; }
  var acc: array<f32, TM>;
  for (var k = 0u; k < p.K; k++) {
    var wv: f32;
    if (TRANS_B) { wv = wAt(n, k); } else { wv = wAt(k, n); }
    for (var i = 0u; i < TM; i++) {
      let m = min(m0 + i, p.M - 1u);
      acc[i] += a[m * p.lda + p.k0 + k] * wv;
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { return; }
    let at = m * p.N + p.n0 + n;
    var v = p.alpha * acc[i];
    if (HAS_BIAS) { v += bias[p.n0 + n]; }
    if (ACCUMULATE) { v += c[at]; }
    c[at] = v;
  }
}
