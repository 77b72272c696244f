// A/B of the TopK step's decoder backward, in one process on the same tensors, alternating A and B call by call:
//   A (before): zero grad W_dec (fill), sparse_dots4 (grad values), sparse_rows4 wdec (grad W_dec rows), ReLU mask
//   B (after):  sparse_dots4 with the mask in its write, wdec writing every row (no zeroing pass): 2 dispatches
//   C (tried):  sparse_wdec_dots (grad W_dec rows + 64 lane parts of each dot, one walk) + sparse_sum64: 2 dispatches
// All run on the step's own tensors (d_in 768, d_sae 6144, batch 4096, k 32; `--small`: 128, 1024, 512) and must
// agree (max |A - B| printed). Wall and process CPU time per call, medians. Run: `bun bench/ab_decode_backward.ts
// [--small] [--reps 7]`. Meant for a loaded machine: only A against B in the same run means anything.
import { fill, getDevice, latentLists, matmul, Rng, saeActBackward, saeActivation, saeAxpby, sparseDecode, sparseDecodeBackward, Tensor, topk } from "@sae/tensor-core";
import { Sae } from "@sae/core";

const small = process.argv.includes("--small");
const [D_IN, D_SAE, BATCH, K] = small ? [128, 1024, 512, 32] : [768, 6144, 4096, 32];
const repsArg = process.argv.indexOf("--reps");
const REPS = repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 7;

const device = await getDevice();
const rng = new Rng(11);
const sae = Sae.create(device, { architecture: "topk", d_in: D_IN, d_sae: D_SAE, k: K }, 3);
const p = sae.params;
const x = Tensor.from(device, [BATCH, D_IN], rng.normalArray(BATCH * D_IN), "x");
const saeIn = saeAxpby(x, null, p.b_dec, 1, 0, -1);
const pre = matmul(saeIn, p.W_enc, { bias: p.b_enc });
const top = topk(pre, K);
const values = saeActivation("relu", top.values);
const out = sparseDecode(values, top.indices, p.W_dec, { bias: p.b_dec });
const gOut = saeAxpby(out, x, null, 2 / BATCH, -2 / BATCH, 0);
const lists = latentLists(top.indices, D_SAE);
const gwA = Tensor.empty(device, [D_SAE, D_IN], "f32", "grad W_dec A");
const gwB = Tensor.empty(device, [D_SAE, D_IN], "f32", "grad W_dec B");
const gvA = Tensor.empty(device, [BATCH, K], "f32", "grad values A");
const gvB = Tensor.empty(device, [BATCH, K], "f32", "grad values B");
const gwC = Tensor.empty(device, [D_SAE, D_IN], "f32", "grad W_dec C");
const gvC = Tensor.empty(device, [BATCH, K], "f32", "grad values C");
await device.sync();

const runs = {
  A: () => {
    fill(gwA, 0);
    const { gradValues } = sparseDecodeBackward(gOut, values, top.indices, p.W_dec, { gradWdec: gwA, lists, fuse: false });
    saeActBackward("mask", gradValues, values, { out: gvA });
    gradValues.dispose();
  },
  B: () => sparseDecodeBackward(gOut, values, top.indices, p.W_dec, { gradWdec: gwB, gradValues: gvB, lists, overwrite: true, reluMask: true, fuse: false }),
  C: () => sparseDecodeBackward(gOut, values, top.indices, p.W_dec, { gradWdec: gwC, gradValues: gvC, lists, overwrite: true, reluMask: true, fuse: true }),
};
type V = keyof typeof runs;
const names = Object.keys(runs) as V[];
const times = Object.fromEntries(names.map((n) => [n, { wall: [] as number[], cpu: [] as number[], dispatches: 0 }])) as Record<V, { wall: number[]; cpu: number[]; dispatches: number }>;
for (let i = -1; i < REPS; i++) {
  for (const ab of i % 2 === 0 ? names : [...names].reverse()) {
    const d0 = device.dispatchCount;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    runs[ab]();
    await device.sync();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times[ab].dispatches = device.dispatchCount - d0;
    if (i >= 0) { // i = -1: warm-up (compiles both)
      times[ab].wall.push(wall);
      times[ab].cpu.push((c.user + c.system) / 1000);
    }
  }
}
const med = (a: number[]) => [...a].sort((u, v) => u - v)[Math.floor(a.length / 2)];
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);
const [a1, b1, a2, b2, c1, c2] = await Promise.all([gwA, gwB, gvA, gvB, gwC, gvC].map((t) => t.read()));
console.log(`decoder backward A/B, d_in ${D_IN}, d_sae ${D_SAE}, batch ${BATCH}, k ${K}, ${REPS} alternating reps each`);
for (const ab of names) {
  const t = times[ab];
  console.log(`${ab}: ${t.dispatches} dispatches; wall median ${med(t.wall).toFixed(1)} ms (all ${t.wall.map((v) => v.toFixed(0)).join(", ")}); CPU median ${med(t.cpu).toFixed(1)} ms (all ${t.cpu.map((v) => v.toFixed(0)).join(", ")})`);
}
for (const v of ["B", "C"] as const) {
  console.log(`${v} / A: wall ${(med(times[v].wall) / med(times.A.wall)).toFixed(2)}, CPU ${(med(times[v].cpu) / med(times.A.cpu)).toFixed(2)}`);
}
console.log(`max |grad W_dec| ${maxDiff(a1, new Float32Array(a1.length)).toExponential(2)}, |A - B| ${maxDiff(a1, b1).toExponential(2)}, |A - C| ${maxDiff(a1, c1).toExponential(2)}`);
console.log(`max |grad values| ${maxDiff(a2, new Float32Array(a2.length)).toExponential(2)}, |A - B| ${maxDiff(a2, b2).toExponential(2)}, |A - C| ${maxDiff(a2, c2).toExponential(2)}`);
process.exit(0);
