// matmul over operands larger than one binding: c [M, N] = op(a) [M, K] @ op(b) [K, N] in blocks (mb, nb, kb), each
// block a row view where the stored layout makes it contiguous (rows of a, of c, of b [K, N] or b [N, K]) and a
// copied window otherwise; k blocks accumulate into the c block. Block sizes are chosen by the bytes they copy
// (x @ W_enc [d_in, d_sae] splits k: W_enc's rows bind in place, only x's columns are copied). Only matmul.ts calls
// this, and only when a, b or c is over device.maxBinding.
import { LimitError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { BLOCK_STEP, copyWindow, ranges, takeWindow } from "./blocks.ts";
import type { MatmulOptions } from "./matmul_shape.ts";

/** One plain-sized product (the caller's matmul on tensors that fit). */
export type Product = (a: Tensor, b: Tensor, opts: MatmulOptions<Tensor>) => void;

/** Sizes to try for one dimension: all of it, halvings rounded up to BLOCK_STEP (row views start aligned), and
 * below BLOCK_STEP plain halvings (their row blocks are copied: block() and the c block check alignment). */
function candidates(d: number): number[] {
  const out = new Set([d]);
  for (let s = Math.ceil(d / 2); ; s = Math.ceil(s / 2)) {
    const b = Math.ceil(s / BLOCK_STEP) * BLOCK_STEP;
    if (b < d) out.add(b);
    if (b <= BLOCK_STEP) break;
  }
  for (let s = Math.min(d, BLOCK_STEP); s > 1; ) out.add((s = Math.ceil(s / 2)));
  return [...out];
}

/** Whether rows [r0, ..) of a matrix with `stride` elements per row start at an aligned offset of t's buffer. */
function alignedRow(t: Tensor, r0: number, stride: number): boolean {
  return (t.byteOffset + r0 * stride * 4) % t.device.limits.minStorageBufferOffsetAlignment === 0;
}

interface Dims {
  M: number;
  N: number;
  K: number;
}

/** The (mb, nb, kb) whose blocks fit `elems` elements each and that copy the fewest elements (a block ~ 64k). */
export function chooseBlocks(d: Dims, elems: number, transA: boolean, transB: boolean, accumulate: boolean): [number, number, number] {
  const { M, N, K } = d;
  let best: [number, number, number] | null = null;
  let bestCost = Infinity;
  for (const mb of candidates(M)) {
    for (const nb of candidates(N)) {
      for (const kb of candidates(K)) {
        if (mb * kb > elems || kb * nb > elems || mb * nb > elems) continue;
        const [nM, nN, nK] = [Math.ceil(M / mb), Math.ceil(N / nb), Math.ceil(K / kb)];
        const copyA = (transA ? mb < M : kb < K) ? M * K * nN : 0;
        const copyB = (transB ? kb < K : nb < N) ? K * N * nM : 0;
        const copyC = nb < N ? M * N * (accumulate ? 2 : 1) : 0;
        const cost = copyA + copyB + copyC + nM * nN * nK * 65536;
        if (cost < bestCost) [best, bestCost] = [[mb, nb, kb], cost];
      }
    }
  }
  if (!best) throw new LimitError(`matmul: no blocks of [${M}, ${K}] x [${K}, ${N}] fit ${elems * 4} bytes per binding`);
  return best;
}

/** A view of stored rows [r0, r1) when whole rows are wanted, else a copy of the window (owned: dispose it). */
function block(t: Tensor, stride: number, rows: [number, number], cols: [number, number]): { t: Tensor; owned: boolean } {
  if (cols[0] === 0 && cols[1] === stride && alignedRow(t, rows[0], stride)) {
    return { t: rows[0] === 0 && rows[1] === t.shape[0] ? t : t.rows(rows[0], rows[1]), owned: false };
  }
  return { t: takeWindow(t, { r0: rows[0], c0: cols[0], stride }, rows[1] - rows[0], cols[1] - cols[0]), owned: true };
}

/** c = alpha op(a) @ op(b) (+ bias) (+ c when accumulate) for 2-D a [M, K] (or [K, M]), b, c [M, N]. */
export function matmulBlocks(a: Tensor, b: Tensor, c: Tensor, opts: MatmulOptions<Tensor>, d: Dims, product: Product): void {
  const { transA = false, transB = false, bias, accumulate = false, alpha = 1 } = opts;
  const { M, N, K } = d;
  if (a.shape.length !== 2 || b.shape.length !== 2 || c.shape.length !== 2) {
    throw new LimitError(`matmul: batched a ${fmt(a.shape)} x b ${fmt(b.shape)} over one binding of ${c.device.maxBinding} bytes`);
  }
  const [mb, nb, kb] = chooseBlocks(d, Math.floor(c.device.maxBinding / 4), transA, transB, accumulate);
  for (const [m0, m1] of ranges(M, mb)) {
    for (const [n0, n1] of ranges(N, nb)) {
      const inPlace = nb === N && alignedRow(c, m0, N);
      const cb = inPlace ? (mb === M ? c : c.rows(m0, m1)) : Tensor.empty(c.device, [m1 - m0, n1 - n0], "f32", "matmul block");
      const at = { r0: m0, c0: n0, stride: N };
      if (!inPlace && accumulate) copyWindow(c, at, cb, { r0: 0, c0: 0, stride: n1 - n0 }, m1 - m0, n1 - n0);
      // the bias's columns: a view when it starts aligned, else a copy (blocks under 64 columns)
      const biasCopy = bias && !inPlace && !alignedRow(bias, n0, 1);
      const bb = bias && (inPlace ? bias : biasCopy ? takeWindow(bias, { r0: 0, c0: n0, stride: N }, 1, n1 - n0).reshape([n1 - n0]) : bias.rows(n0, n1));
      for (const [k0, k1] of ranges(K, kb)) {
        const ab = transA ? block(a, M, [k0, k1], [m0, m1]) : block(a, K, [m0, m1], [k0, k1]);
        const bt = transB ? block(b, K, [n0, n1], [k0, k1]) : block(b, N, [k0, k1], [n0, n1]);
        product(ab.t, bt.t, { transA, transB, alpha, bias: k0 === 0 ? bb : undefined, accumulate: accumulate || k0 > 0, out: cb });
        for (const x of [ab, bt]) if (x.owned) x.t.dispose();
      }
      if (!inPlace) {
        copyWindow(cb, { r0: 0, c0: 0, stride: n1 - n0 }, c, at, m1 - m0, n1 - n0);
        cb.dispose();
      }
      if (biasCopy) bb?.dispose();
    }
  }
}
