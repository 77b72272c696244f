// Float64 plain-loop helpers of the CPU reference (cpu/reference.ts and each architecture's arch/<name>/cpu.ts).
import type { CpuStep } from "./types.ts";

/** out[m, n] = sum_k a[m, k] b[k, n] (optionally b transposed: b[n, k]). */
export function mm(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, transB = false): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k];
      if (av === 0) continue;
      for (let n = 0; n < N; n++) out[m * N + n] += av * (transB ? b[n * K + k] : b[k * N + n]);
    }
  }
  return out;
}

/** out[k, n] = sum_m a[m, k] b[m, n]. */
export function mmTA(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(K * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k];
      if (av === 0) continue;
      for (let n = 0; n < N; n++) out[k * N + n] += av * b[m * N + n];
    }
  }
  return out;
}

export function colSum(a: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c] += a[r * C + c];
  return out;
}

export function rowNorms(w: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += w[r * C + c] ** 2;
    out[r] = Math.sqrt(s);
  }
  return out;
}

/** Indices of the n largest values, descending, ties to the lower index. */
export function topIndices(v: ArrayLike<number>, n: number): number[] {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => (v[b] - v[a]) || a - b);
  return idx.slice(0, n);
}

export function addInto(dst: Float64Array, src: ArrayLike<number>, s = 1): void {
  for (let i = 0; i < dst.length; i++) dst[i] += s * src[i];
}

/** pre0 = h + b_enc; pre = pre0, times ||W_dec[i]|| when the TopK family rescales. */
export function linearPre(s: CpuStep): void {
  const { h, p, norms, col } = s;
  s.pre = s.pre0 = h.map((v, i) => v + p.b_enc[col(i)]);
  if (s.rescale) s.pre = s.pre0.map((v, i) => v * norms[col(i)]);
}
