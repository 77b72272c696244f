// `bun bench/logit_reduce.ts [reps]`: next-token CE and KL of one block of [256, 50257] logits (GPT-2's vocabulary)
// and an eval's one pass over three runs (logitRunStats: 3 CE + 2 KL per row)
// through @sae/transformer's logit_stats, the old host path (read the block back, float64 log-softmax per row) against
// the device path (crossEntropyRows / klRows, [256] floats read back), interleaved in one process: wall ms per call,
// median of reps, and the ratio host / device. Both paths' results are checked against each other (max rel diff).
// On a shared, loaded machine only the ratio means anything; on lavapipe the "readback" is a memcpy, so the ratio
// understates what a discrete GPU (PCIe readback) gains.
import { getDevice, Tensor } from "@sae/tensor-core";
import { randn } from "@sae/tensor-core/testing";
import { klDivRows, logitRows, logitRunStats, nextTokenLosses, type LogitRows } from "@sae/transformer";

const [rows, V, D] = [256, 50257, 64];
const reps = Number(process.argv[2] ?? 5);
const dev = await getDevice();
const u = {
  W_U_T: Tensor.from(dev, [V, D], randn(V * D, 1, 0.5)),
  b_U: Tensor.from(dev, [V], randn(V, 2, 0.5)),
  softcap: 0,
};
const run = (seed: number) => logitRows(Tensor.from(dev, [1, rows, D], randn(rows * D, seed, 1)), u, true).rows;
const [p, q, z] = [run(3), run(4), run(5)]; // the whole [1, 256, V] tensor each (51 MB: fits one binding)
/** The same rows without device tensors: logit_stats takes the host path. */
const host = (r: LogitRows): LogitRows => ({ ...r, read: r.read.bind(r), tensor: undefined, dispose: () => {} });
const ids = Array.from({ length: rows }, (_, i) => (i * 7919) % V);

const time = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
};
const ms: Record<string, number[]> = {
  "CE host": [],
  "CE device": [],
  "KL host": [],
  "KL device": [],
  "eval host": [],
  "eval device": [],
};
let diff = 0;
const rel = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.abs(b[i])), 0);
for (let i = 0; i < reps; i++) {
  const [a, ceH] = await time(() => nextTokenLosses(host(p), ids));
  const [b, ceD] = await time(() => nextTokenLosses(p, ids));
  const [c, klH] = await time(() => klDivRows(host(p), host(q)));
  const [d, klD] = await time(() => klDivRows(p, q));
  const [e, evH] = await time(() => logitRunStats([p, q, z].map(host), ids));
  const [f, evD] = await time(() => logitRunStats([p, q, z], ids));
  [a, b, c, d, e, f].forEach((t, j) => ms[Object.keys(ms)[j]].push(t));
  diff = Math.max(diff, rel(ceD, ceH), rel(klD, klH), rel(evD.kl[1], evH.kl[1]));
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`${dev.describe()}; block [${rows}, ${V}] f32 (${((rows * V * 4) / 1e6).toFixed(1)} MB); ${reps} reps`);
console.log("path        median ms   all (ms)");
for (const [k, v] of Object.entries(ms)) {
  console.log(`${k.padEnd(11)} ${med(v).toFixed(1).padStart(9)}   ${v.map((x) => x.toFixed(0)).join(" ")}`);
}
const ratio = (k: string) => (med(ms[`${k} host`]) / med(ms[`${k} device`])).toFixed(2);
console.log(`ratio host/device: CE ${ratio("CE")}x, KL ${ratio("KL")}x, eval ${ratio("eval")}x`);
console.log(`max rel diff device vs host (float64): ${diff.toExponential(2)}`);
