// What callers need from logits without holding all of them: next-token cross-entropy per position, KL between two
// runs' distributions, top-k logits per position. Each takes LogitRows (logit_rows.ts) one block of positions at a
// time, so at most one block of each run's logits exists at once. Losses and KL reduce a block on the device
// (tensor-core's crossEntropyRows / klRows, f32 within ~1e-6 relative of float64) when the rows have device tensors,
// reading back only [rows] values; top-k uses tensor-core's topk there (k <= 256, d_vocab <= 131072: [rows, k]
// back). Host rows (and top-k past those limits) read the block and reduce it on the host (float64 for CE/KL).
import { ShapeError, TOPK_MAX_COLS, TOPK_MAX_K, Tensor, crossEntropyRows, fmt, klRows, topk } from "@sae/tensor-core";
import type { LogitRows } from "./logit_rows.ts";

/** out[j] = log_softmax(logits[off .. off + n))[j], float64. */
export function logSoftmaxRow(logits: ArrayLike<number>, off: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, logits[off + j]);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(logits[off + j] - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < n; j++) out[j] = logits[off + j] - lse;
}

/**
 * Calls fn with the same block of rows [r0, r1) of every source, block by block (the smallest blockRows of them),
 * values [r1 - r0, d_vocab] each.
 */
export async function forEachLogitBlock(
  sources: readonly LogitRows[],
  fn: (r0: number, r1: number, blocks: Float32Array[]) => void,
): Promise<void> {
  for (const [r0, r1] of logitBlocks(sources)) fn(r0, r1, await Promise.all(sources.map((s) => s.read(r0, r1))));
}

/** The blocks [r0, r1) forEachLogitBlock visits (the smallest blockRows of the sources), after a shape check. */
function logitBlocks(sources: readonly LogitRows[]): Array<[number, number]> {
  const [first] = sources;
  for (const s of sources) {
    if (s.batch !== first.batch || s.pos !== first.pos || s.dVocab !== first.dVocab) {
      const [a, b] = [fmt([s.batch, s.pos, s.dVocab]), fmt([first.batch, first.pos, first.dVocab])];
      throw new ShapeError(`logit rows ${a} differ from ${b}`);
    }
  }
  const n = first.batch * first.pos;
  const block = Math.max(1, Math.min(...sources.map((s) => s.blockRows)));
  const out: Array<[number, number]> = [];
  for (let r0 = 0; r0 < n; r0 += block) out.push([r0, Math.min(n, r0 + block)]);
  return out;
}

type DeviceRows = LogitRows & Required<Pick<LogitRows, "tensor">>;

/** Whether every source hands out device tensors. */
function onDevice(sources: readonly LogitRows[]): sources is readonly DeviceRows[] {
  return sources.every((s) => s.tensor !== undefined);
}

/**
 * forEachLogitBlock on the device: fn gets each block as tensors [r1 - r0, d_vocab] and returns the small tensors
 * ([r1 - r0] or [r1 - r0, k]) it computed from them, which are read back (nothing else is) and handed to use. The
 * blocks, the results and what fn put in `scratch` are disposed after.
 */
async function forEachDeviceBlock(
  sources: readonly DeviceRows[],
  fn: (r0: number, r1: number, blocks: Tensor[], scratch: Tensor[]) => Tensor[],
  use: (r0: number, r1: number, values: ArrayLike<number>[]) => void,
): Promise<void> {
  for (const [r0, r1] of logitBlocks(sources)) {
    const scratch: Tensor[] = [];
    try {
      for (const s of sources) scratch.push(s.tensor(r0, r1));
      const outs = fn(r0, r1, scratch.slice(), scratch);
      scratch.push(...outs);
      const values: ArrayLike<number>[] = [];
      for (const t of outs) values.push(await t.read());
      use(r0, r1, values);
    } finally {
      for (const t of scratch) t.dispose();
    }
  }
}

/** [r1 - r0] i32 on the device: row r's next token ids[r + 1], 0 at a sequence's last position (not a loss). */
function nextTargets(logits: Tensor, ids: ArrayLike<number>, pos: number, r0: number, r1: number): Tensor {
  const next = Int32Array.from({ length: r1 - r0 }, (_, i) => ((r0 + i) % pos === pos - 1 ? 0 : ids[r0 + i + 1]));
  return Tensor.from<"i32">(logits.device, [r1 - r0], next, "next-token targets");
}

/**
 * One pass over the blocks of several runs of the same tokens (an eval's clean, spliced and ablated runs: each
 * block's logits are made once): per row, each run's next-token CE (`ce[i]` [batch * pos], NaN at a sequence's
 * last position) and KL(runs[0] || runs[i]) (`kl[i - 1]` [batch * pos]). On the device when every run has device
 * tensors (f32 reductions, [rows] values read back), else float64 on the host (nextTokenLosses / klDivRows's maths).
 */
export async function logitRunStats(
  runs: readonly LogitRows[],
  ids: ArrayLike<number>,
): Promise<{ ce: Float64Array[]; kl: Float64Array[] }> {
  const { batch, pos, dVocab: V } = runs[0];
  const n = batch * pos;
  if (ids.length !== n) throw new ShapeError(`logitRunStats: ${ids.length} ids for logits ${fmt([batch, pos, V])}`);
  const ce = runs.map(() => new Float64Array(n).fill(NaN));
  const kl = runs.slice(1).map(() => new Float64Array(n));
  const last = (r: number) => r % pos === pos - 1;
  if (onDevice(runs)) {
    await forEachDeviceBlock(
      runs,
      (r0, r1, blocks, scratch) => {
        const targets = nextTargets(blocks[0], ids, pos, r0, r1);
        scratch.push(targets);
        const kls = blocks.slice(1).map((b) => klRows(blocks[0], b));
        return [...blocks.map((b) => crossEntropyRows(b, targets)), ...kls];
      },
      (r0, r1, values) => {
        for (let r = r0; r < r1; r++) if (!last(r)) ce.forEach((c, i) => (c[r] = values[i][r - r0]));
        kl.forEach((k, i) => k.set(values[runs.length + i], r0));
      },
    );
    return { ce, kl };
  }
  const lps = runs.map(() => new Float64Array(V));
  await forEachLogitBlock(runs, (r0, r1, vs) => {
    for (let r = r0; r < r1; r++) {
      vs.forEach((v, i) => logSoftmaxRow(v, (r - r0) * V, V, lps[i]));
      if (!last(r)) ce.forEach((c, i) => (c[r] = -lps[i][ids[r + 1]]));
      kl.forEach((k, i) => (k[r] = klRow(lps[0], lps[i + 1])));
    }
  });
  return { ce, kl };
}

/** sum exp(lp) (lp - lq) over log-softmax rows, float64. */
function klRow(lp: Float64Array, lq: Float64Array): number {
  let kl = 0;
  for (let j = 0; j < lp.length; j++) kl += Math.exp(lp[j]) * (lp[j] - lq[j]);
  return kl;
}

/** Next-token cross-entropy: position p of row b predicts ids[b * pos + p + 1]; -> [batch, pos - 1]. */
export async function nextTokenLosses(rows: LogitRows, ids: ArrayLike<number>): Promise<Float64Array> {
  const { batch, pos, dVocab: V } = rows;
  if (ids.length !== batch * pos) {
    throw new ShapeError(`nextTokenLosses: ${ids.length} ids for logits ${fmt([batch, pos, V])}`);
  }
  const out = new Float64Array(batch * Math.max(pos - 1, 0));
  const one = [rows];
  if (onDevice(one)) {
    if (out.length === 0) return out;
    await forEachDeviceBlock(
      one,
      (r0, r1, [logits], scratch) => {
        const targets = nextTargets(logits, ids, pos, r0, r1);
        scratch.push(targets);
        return [crossEntropyRows(logits, targets)];
      },
      (r0, r1, [ce]) => {
        for (let r = r0; r < r1; r++) {
          if (r % pos !== pos - 1) out[Math.floor(r / pos) * (pos - 1) + (r % pos)] = ce[r - r0];
        }
      },
    );
    return out;
  }
  const lp = new Float64Array(V);
  await forEachLogitBlock([rows], (r0, r1, [v]) => {
    for (let r = r0; r < r1; r++) {
      const [b, p] = [Math.floor(r / pos), r % pos];
      if (p === pos - 1) continue;
      logSoftmaxRow(v, (r - r0) * V, V, lp);
      out[b * (pos - 1) + p] = -lp[ids[r + 1]];
    }
  });
  return out;
}

/** KL(p || q) per row with p = softmax(pRows), q = softmax(qRows): -> [batch * pos]. */
export async function klDivRows(pRows: LogitRows, qRows: LogitRows): Promise<Float64Array> {
  const V = pRows.dVocab;
  const out = new Float64Array(pRows.batch * pRows.pos);
  const both = [pRows, qRows];
  if (onDevice(both)) {
    await forEachDeviceBlock(both, (_r0, _r1, [p, q]) => [klRows(p, q)], (r0, _r1, [kl]) => out.set(kl, r0));
    return out;
  }
  const [lp, lq] = [new Float64Array(V), new Float64Array(V)];
  await forEachLogitBlock([pRows, qRows], (r0, r1, [p, q]) => {
    for (let r = r0; r < r1; r++) {
      logSoftmaxRow(p, (r - r0) * V, V, lp);
      logSoftmaxRow(q, (r - r0) * V, V, lq);
      out[r] = klRow(lp, lq);
    }
  });
  return out;
}

/** The k largest logits of every row, largest first (ties: the lower id first): ids and values [batch * pos, k]. */
export async function topLogits(rows: LogitRows, k: number): Promise<{ ids: Int32Array; values: Float32Array }> {
  const V = rows.dVocab;
  if (!(Number.isInteger(k) && k >= 1 && k <= V)) throw new ShapeError(`topLogits: k ${k} is outside [1, ${V}]`);
  const n = rows.batch * rows.pos;
  const ids = new Int32Array(n * k);
  const values = new Float32Array(n * k);
  const one = [rows];
  if (onDevice(one) && k <= TOPK_MAX_K && V <= TOPK_MAX_COLS) {
    await forEachDeviceBlock(
      one,
      (_r0, _r1, [logits]) => {
        const t = topk(logits, k); // ties: the lower column first, as below
        return [t.values, t.indices];
      },
      (r0, _r1, [v, i]) => {
        values.set(v, r0 * k);
        ids.set(i, r0 * k);
      },
    );
    return { ids, values };
  }
  await forEachLogitBlock([rows], (r0, r1, [v]) => {
    for (let r = r0; r < r1; r++) {
      const off = (r - r0) * V;
      // insertion into a sorted list of k: O(V k) worst case, O(V) for the usual k << V
      const topI: number[] = [];
      for (let j = 0; j < V; j++) {
        const x = v[off + j];
        if (topI.length === k && !(x > v[off + topI[k - 1]])) continue;
        let at = topI.length < k ? topI.length : k - 1;
        while (at > 0 && x > v[off + topI[at - 1]]) at--;
        if (topI.length === k) topI.pop();
        topI.splice(at, 0, j);
      }
      topI.forEach((j, i) => {
        ids[r * k + i] = j;
        values[r * k + i] = v[off + j];
      });
    }
  });
  return { ids, values };
}

/** Host logits [batch, pos, d_vocab] as LogitRows (stand-in models; blockRows forces blocks in tests). */
export function hostLogitRows(
  values: Float32Array,
  batch: number,
  pos: number,
  dVocab: number,
  blockRows = batch * pos,
): LogitRows {
  if (values.length !== batch * pos * dVocab) {
    throw new ShapeError(`hostLogitRows: ${values.length} values for ${fmt([batch, pos, dVocab])}`);
  }
  return {
    batch,
    pos,
    dVocab,
    blockRows,
    read: async (r0, r1) => values.slice(r0 * dVocab, r1 * dVocab),
    dispose: () => {},
  };
}
