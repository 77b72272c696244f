// batch_topk_select: the threshold of batchTopk. One workgroup finds t, the kTotal-th largest element of x over the
// whole batch, from each row's top kr (topk's values, sorted descending) and, only for "saturated" rows (whose
// kr-th value is >= the probe, so x may hold more such elements than its top kr), from x itself:
//   phase 1: key bisection with counts from the top-kr lists alone (a binary search per row) gives L0 <= t;
//   phase 2: key bisection over [L0, max] with exact counts (saturated rows scanned in x);
//   then need = kTotal - count(> t), and each row's tie base: how many elements == t lie in earlier rows.
// Writes sel = [t's bits, need] and tieBase [rows] for batch_topk.wgsl. Not an op (see batch_topk.ts).
struct Params { rows: u32, cols: u32, kr: u32, kTotal: u32, negInf: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // [rows, cols]
@group(0) @binding(2) var<storage, read> top: array<f32>;           // [rows, kr] each row's largest, descending
@group(0) @binding(3) var<storage, read_write> sel: array<u32>;     // [2] t bits, need
@group(0) @binding(4) var<storage, read_write> tieBase: array<u32>; // [rows]

const WG = 64u;
var<workgroup> laneSum: array<u32, WG>;
var<workgroup> total: u32;

fn toKey(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

fn above(v: f32, t: f32, strict: bool) -> bool {
  return v > t || (!strict && v == t);
}

/** Elements of row r that are >= t (> t when strict); `exact` scans x for saturated rows. */
fn rowCount(r: u32, t: f32, strict: bool, exact: bool) -> u32 {
  let base = r * p.kr;
  if (exact && p.kr < p.cols && above(top[base + p.kr - 1u], t, strict)) {
    var n = 0u;
    for (var c = 0u; c < p.cols; c++) { n += select(0u, 1u, above(x[r * p.cols + c], t, strict)); }
    return n;
  }
  // top is descending: the number of leading entries above t
  var lo = 0u;
  var hi = p.kr;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (above(top[base + mid], t, strict)) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo;
}

/** Elements of the batch >= t (> t when strict), the same in every lane. */
fn countAll(t: f32, strict: bool, exact: bool, lid: u32) -> u32 {
  var n = 0u;
  for (var r = lid; r < p.rows; r += WG) { n += rowCount(r, t, strict, exact); }
  laneSum[lid] = n;
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0u;
    for (var i = 0u; i < WG; i++) { s += laneSum[i]; }
    total = s;
  }
  return workgroupUniformLoad(&total);
}

/** The largest key in [lo, hi] whose value has count(>= value) >= kTotal (lo must qualify). */
fn bisect(lo0: u32, hi0: u32, exact: bool, lid: u32) -> u32 {
  var lo = lo0;
  var hi = hi0;
  while (lo < hi) {
    let mid = lo + (hi - lo + 1u) / 2u;
    if (countAll(fromKey(mid), false, exact, lid) >= p.kTotal) { lo = mid; } else { hi = mid - 1u; }
  }
  return lo;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  // the batch maximum bounds the search from above
  var m = p.negInf;
  for (var r = lid; r < p.rows; r += WG) { m = max(m, top[r * p.kr]); }
  laneSum[lid] = toKey(m);
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0u;
    for (var i = 0u; i < WG; i++) { s = max(s, laneSum[i]); }
    total = s;
  }
  let hiK = workgroupUniformLoad(&total);
  let l0 = bisect(toKey(p.negInf), hiK, false, lid);
  let tK = bisect(l0, hiK, true, lid);
  let t = fromKey(tK);
  let need = p.kTotal - countAll(t, true, true, lid);

  // tie bases: lane l owns a contiguous block of rows; exclusive prefix of the blocks' tie counts
  let per = (p.rows + WG - 1u) / WG;
  let r0 = min(p.rows, lid * per);
  let r1 = min(p.rows, r0 + per);
  var ties = 0u;
  for (var r = r0; r < r1; r++) { ties += rowCount(r, t, false, true) - rowCount(r, t, true, true); }
  laneSum[lid] = ties;
  workgroupBarrier();
  var before = 0u;
  for (var i = 0u; i < lid; i++) { before += laneSum[i]; }
  for (var r = r0; r < r1; r++) {
    tieBase[r] = before;
    before += rowCount(r, t, false, true) - rowCount(r, t, true, true);
  }
  if (lid == 0u) {
    sel[0] = bitcast<u32>(t);
    sel[1] = need;
  }
}
