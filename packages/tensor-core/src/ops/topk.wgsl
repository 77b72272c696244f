// topk: per row, the k largest values sorted descending (ties: lower column first) and their columns.
// One workgroup per row. Built for CPU "GPUs" (lavapipe: a workgroup is one thread, lanes are SIMD) and correct
// anywhere:
//   1. one pass: V = WG * S "virtual lanes", each the max of the columns c with c % V == its slot (S registers
//      per lane, consecutive lanes read consecutive columns);
//   2. lo = the k-th largest of those V maxima: at least k elements are >= lo, and usually only a few more;
//   3. one pass: append every element >= lo to a workgroup buffer (an atomic cursor; rare, so cheap);
//   4. rank sort of the n candidates (rank = how many beat it), written straight to the output row.
// When more than CAP elements are >= lo (heavy ties, adversarial rows) a fallback bisects the row's sortable
// keys for the exact k-th value and gathers its ties in column order from contiguous per-lane chunks.
struct Params { rows: u32, cols: u32, k: u32, negInf: f32 } // negInf: -inf (WGSL constants cannot hold it)
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // [rows, cols]
@group(0) @binding(2) var<storage, read_write> outV: array<f32>;    // [rows, k]
@group(0) @binding(3) var<storage, read_write> outI: array<i32>;    // [rows, k]

override S: u32 = 1u; // accumulators per lane (1..8): V = WG * S virtual lanes
const WG = 64u;
const CAP = 2048u;

var<workgroup> pool: array<f32, 512>;        // [V] virtual-lane maxima
var<workgroup> candV: array<f32, CAP>;       // [n] candidate values
var<workgroup> candI: array<u32, CAP>;       // [n] candidate columns
var<workgroup> cursor: atomic<u32>;
var<workgroup> shared_f: f32;
var<workgroup> shared_max: f32;
var<workgroup> shared_u: u32;
var<workgroup> laneCount: array<u32, WG>;

var<private> rowOff: u32;
var<private> lid: u32;

fn seed() -> f32 {
  return p.negInf;
}

/** Order-preserving map f32 -> u32 (for bisection over the row's values). */
fn toKey(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

/** How many elements of the row are >= t (uniform result). */
fn countGE(t: f32) -> u32 {
  var n = 0u;
  for (var c = lid; c < p.cols; c += WG) {
    n += select(0u, 1u, x[rowOff + c] >= t);
  }
  laneCount[lid] = n;
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0u;
    for (var i = 0u; i < WG; i++) { s += laneCount[i]; }
    shared_u = s;
  }
  return workgroupUniformLoad(&shared_u);
}

/** Appends every element >= t (or > t when strict) to the candidate buffer; returns how many there were. */
fn collect(t: f32, strict: bool) -> u32 {
  for (var c = lid; c < p.cols; c += WG) {
    let v = x[rowOff + c];
    if (v > t || (!strict && v == t)) {
      let at = atomicAdd(&cursor, 1u);
      if (at < CAP) {
        candV[at] = v;
        candI[at] = c;
      }
    }
  }
  workgroupBarrier();
  if (lid == 0u) { shared_u = atomicLoad(&cursor); }
  return workgroupUniformLoad(&shared_u);
}

/** Appends the first `need` elements equal to t, in column order, after the `start` candidates already there. */
fn collectTies(t: f32, start: u32, need: u32) {
  let chunk = (p.cols + WG - 1u) / WG;
  let c0 = min(p.cols, lid * chunk);
  let c1 = min(p.cols, c0 + chunk);
  var n = 0u;
  for (var c = c0; c < c1; c++) { n += select(0u, 1u, x[rowOff + c] == t); }
  laneCount[lid] = n;
  workgroupBarrier();
  var before = 0u;
  for (var i = 0u; i < lid; i++) { before += laneCount[i]; }
  for (var c = c0; c < c1 && before < need; c++) {
    let v = x[rowOff + c];
    if (v == t) {
      candV[start + before] = v; // v, not t: -0 and +0 tie but stay what they were
      candI[start + before] = c;
      before++;
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  lid = li;
  rowOff = row * p.cols;
  let cols = p.cols;
  let k = p.k;
  let V = WG * S;
  if (lid == 0u) { atomicStore(&cursor, 0u); }

  // 1. virtual-lane maxima (S scalars, unrolled by hand: lavapipe crashed on a dynamically indexed private array)
  let ninf = seed();
  var a0 = ninf; var a1 = ninf; var a2 = ninf; var a3 = ninf;
  var a4 = ninf; var a5 = ninf; var a6 = ninf; var a7 = ninf;
  var base = 0u;
  for (; base + V <= cols; base += V) {
    let o = rowOff + base + lid;
    a0 = max(a0, x[o]);
    if (S > 1u) { a1 = max(a1, x[o + WG]); }
    if (S > 2u) { a2 = max(a2, x[o + 2u * WG]); a3 = max(a3, x[o + 3u * WG]); }
    if (S > 4u) {
      a4 = max(a4, x[o + 4u * WG]); a5 = max(a5, x[o + 5u * WG]);
      a6 = max(a6, x[o + 6u * WG]); a7 = max(a7, x[o + 7u * WG]);
    }
  }
  pool[lid] = a0; pool[WG + lid] = a1; pool[2u * WG + lid] = a2; pool[3u * WG + lid] = a3;
  pool[4u * WG + lid] = a4; pool[5u * WG + lid] = a5; pool[6u * WG + lid] = a6; pool[7u * WG + lid] = a7;
  for (var s = 0u; s < S; s++) {
    let c = base + s * WG + lid;
    if (c < cols) { pool[s * WG + lid] = max(pool[s * WG + lid], x[rowOff + c]); }
  }
  workgroupBarrier();

  // 2. lo = k-th largest virtual-lane max; hi = the row max
  var rowMax = seed();
  for (var s = 0u; s < S; s++) {
    let v = pool[s * WG + lid];
    var gt = 0u;
    var ge = 0u;
    for (var j = 0u; j < V; j++) {
      let w = pool[j];
      gt += select(0u, 1u, w > v);
      ge += select(0u, 1u, w >= v);
      rowMax = max(rowMax, w);
    }
    if (gt < k && ge >= k) { shared_f = v; }
  }
  if (lid == 0u) { shared_max = rowMax; }
  let lo = workgroupUniformLoad(&shared_f);

  // 3. candidates
  var n = collect(lo, false);

  if (n > CAP) {
    // Fallback: bisection over keys for the largest t with count(>= t) >= k, stopping once count <= CAP.
    var loK = toKey(lo);
    var hiK = toKey(workgroupUniformLoad(&shared_max));
    var nLo = n;
    loop {
      if (loK >= hiK || nLo <= CAP) { break; }
      let mid = loK + (hiK - loK + 1u) / 2u;
      let m = countGE(fromKey(mid));
      if (m >= k) {
        loK = mid;
        nLo = m;
      } else {
        hiK = mid - 1u;
      }
    }
    if (lid == 0u) { atomicStore(&cursor, 0u); }
    workgroupBarrier();
    let t = fromKey(loK);
    if (nLo <= CAP) {
      n = collect(t, false);
    } else {
      let gt = collect(t, true); // < k by construction
      collectTies(t, gt, k - gt);
      n = k;
    }
  }

  // 4. rank sort of the candidates: rank = number of candidates that beat it (larger, or equal at a lower column)
  for (var i = lid; i < n; i += WG) {
    let v = candV[i];
    let c = candI[i];
    var rank = 0u;
    for (var j = 0u; j < n; j++) {
      let w = candV[j];
      rank += select(0u, 1u, w > v || (w == v && candI[j] < c));
    }
    if (rank < k) {
      outV[row * k + rank] = v;
      outI[row * k + rank] = i32(c);
    }
  }
}
