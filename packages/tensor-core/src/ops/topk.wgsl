// topk: per row, the k largest values sorted descending (ties: lower column first) and their columns.
// One invocation per row (lanes never talk: no workgroup memory, no barriers). Built for CPU "GPUs" (lavapipe: a
// workgroup is one thread, invocations are 8-wide SIMD lanes and every memory load is a per-lane loop, so the
// kernel is counted in passes over x) and correct anywhere, if slow on real GPUs (uncoalesced row streams):
//   1. one pass, vec4 loads: the top T values of each of 4 * A disjoint column sets, kept sorted in registers;
//      lo = the k-th largest of those 4 * A * T values (key bisection in registers): at least k elements are >= lo
//      and, with 4 * A * T >= 2 k, usually about 1.4 k;
//   2. one more pass: the elements >= lo, in column order, into a private list (rare, so the branch is cheap);
//   3. the exact k-th largest t by key bisection over that list; keep what is > t, then ties at t by column;
//   4. a bitonic sort of the k winners (padded to K2, a power of two), written to the output row.
// When more than CAP elements are >= lo (heavy ties: constant or mostly-zero rows) step 3 bisects over the row
// itself (one pass per step) and gathers the winners in one more pass. NaN inputs are not supported.
// x is bound as array<Elem> through row_io.ts (ldx: vec4s when cols % 4 == 0, else scalars).
struct Params { rows: u32, cols: u32, k: u32, negInf: f32 } // negInf: -inf (WGSL constants cannot hold it)
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;          // [rows, cols]
@group(0) @binding(2) var<storage, read_write> outV: array<f32>;  // [rows, k]
@group(0) @binding(3) var<storage, read_write> outI: array<i32>;  // [rows, k]

override A: u32 = 8u;  // vec4 column sets per lane
override T: u32 = 1u;  // values kept per column set (1..8); A * T <= 64
override K2: u32 = 32u; // k rounded up to a power of two (sort size)
override WG: u32 = 16u; // rows per workgroup (TOPK_ROWS_PER_WORKGROUP)
const CAP = 1024u;

var<private> rowOff: u32;
var<private> ninf: f32;
var<private> cv: array<f32, CAP>;  // [n] candidate values, column order
var<private> ci: array<u32, CAP>;  // [n] candidate columns

fn toKey(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

fn ld1(e: u32) -> f32 {
  return ldx(e & ~3u)[e % 4u];
}

/** Elements c..c+3 of the row, -inf past its end. */
fn load4(c: u32) -> vec4<f32> {
  let inside = vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(p.cols);
  return select(vec4<f32>(ninf), ldx(rowOff + c), inside);
}

fn count4(b: vec4<bool>) -> u32 {
  let u = select(vec4<u32>(0u), vec4<u32>(1u), b);
  return u.x + u.y + u.z + u.w;
}

/** How many elements of the row are >= t, or > t when strict. */
fn countRow(t: f32, strict: bool) -> u32 {
  var n = 0u;
  for (var c = 0u; c < p.cols; c += 4u) {
    let v = load4(c);
    n += count4((v > vec4<f32>(t)) | (vec4<bool>(!strict) & (v == vec4<f32>(t))));
  }
  return n;
}

/** (v, c) comes before (w, d): larger, or equal at a lower column. */
fn before(v: f32, c: u32, w: f32, d: u32) -> bool {
  return v > w || (v == w && c < d);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= p.rows) { return; }
  rowOff = row * p.cols;
  ninf = p.negInf;
  let cols = p.cols;
  let k = p.k;

  // 1. top T of each of 4 * A column sets (set of column c: (c / 4) % A and c % 4), kept sorted descending
  var top: array<vec4<f32>, 64>;
  for (var i = 0u; i < A * T; i++) { top[i] = vec4<f32>(ninf); }
  let step = 4u * A;
  for (var c = 0u; c < cols; c += step) {
    for (var a = 0u; a < A; a++) {
      var v = load4(c + 4u * a);
      for (var t = 0u; t < T; t++) {
        let hi = max(top[a * T + t], v);
        v = min(top[a * T + t], v);
        top[a * T + t] = hi;
      }
    }
  }
  // lo = the k-th largest kept value: the largest key L with count(kept >= L) >= k
  var loK = toKey(ninf); // every element is >= -inf
  var hiK = loK;
  for (var i = 0u; i < A * T; i += T) {
    let m = top[i];
    hiK = max(hiK, toKey(max(max(m.x, m.y), max(m.z, m.w))));
  }
  while (loK < hiK) {
    let mid = loK + (hiK - loK + 1u) / 2u;
    let t = vec4<f32>(fromKey(mid));
    var n = 0u;
    for (var i = 0u; i < A * T; i++) { n += count4(top[i] >= t); }
    if (n >= k) { loK = mid; } else { hiK = mid - 1u; }
  }
  let lo = fromKey(loK);

  // 2. candidates >= lo, in column order
  var n = 0u;
  for (var c = 0u; c < cols; c += 4u) {
    let v = load4(c);
    if (any(v >= vec4<f32>(lo))) {
      for (var j = 0u; j < 4u; j++) {
        if (v[j] >= lo) {
          if (n < CAP) { cv[n] = v[j]; ci[n] = c + j; }
          n++;
        }
      }
    }
  }

  // 3. t = the exact k-th largest; keep the k winners (> t, then ties at t by column), still in column order
  var g = 0u; // winners > t
  var tK = loK;
  if (n <= CAP) {
    var hK = loK;
    for (var i = 0u; i < n; i++) { hK = max(hK, toKey(cv[i])); }
    var lK = loK;
    while (lK < hK) {
      let mid = lK + (hK - lK + 1u) / 2u;
      let t = fromKey(mid);
      var m = 0u;
      for (var i = 0u; i < n; i++) { m += select(0u, 1u, cv[i] >= t); }
      if (m >= k) { lK = mid; } else { hK = mid - 1u; }
    }
    tK = lK;
    let t = fromKey(tK);
    for (var i = 0u; i < n; i++) { g += select(0u, 1u, cv[i] > t); }
    var w = 0u;
    var ties = 0u;
    for (var i = 0u; i < n; i++) {
      let v = cv[i];
      let keep = v > t || (v == t && ties < k - g);
      if (keep) {
        cv[w] = v;
        ci[w] = ci[i];
        w++;
        ties += select(0u, 1u, v == t);
      }
    }
  } else {
    // heavy ties: bisection over the row itself, then one pass for the winners
    var hK = 0xff800000u;
    var lK = loK;
    while (lK < hK) {
      let mid = lK + (hK - lK + 1u) / 2u;
      if (countRow(fromKey(mid), false) >= k) { lK = mid; } else { hK = mid - 1u; }
    }
    tK = lK;
    let t = fromKey(tK);
    g = countRow(t, true);
    var w = 0u;
    var ties = 0u;
    for (var c = 0u; c < cols; c++) {
      let v = ld1(rowOff + c);
      if (v > t || (v == t && ties < k - g)) {
        cv[w] = v;
        ci[w] = c;
        w++;
        ties += select(0u, 1u, v == t);
      }
    }
  }

  // 4. bitonic sort of the k winners (padded to K2 with entries that lose to everything), descending
  for (var i = k; i < K2; i++) { cv[i] = ninf; ci[i] = 0xffffffffu; }
  for (var size = 2u; size <= K2; size *= 2u) {
    for (var stride = size / 2u; stride > 0u; stride /= 2u) {
      for (var i = 0u; i < K2; i++) {
        let j = i ^ stride;
        if (j > i) {
          let a = cv[i];
          let ac = ci[i];
          let b = cv[j];
          let bc = ci[j];
          // descending where (i & size) == 0, so the final merge is descending
          let swap = select(before(b, bc, a, ac), before(a, ac, b, bc), (i & size) != 0u);
          if (swap) {
            cv[i] = b; ci[i] = bc;
            cv[j] = a; ci[j] = ac;
          }
        }
      }
    }
  }
  for (var i = 0u; i < k; i++) {
    outV[row * k + i] = cv[i];
    outI[row * k + i] = i32(ci[i]);
  }
}
