// A/B of the half-precision weight GEMM, in one process, call by call in alternating order, at model shapes:
//   f32      matmul (the f32 Tensor weight; on llvmpipe the lanes kernels)
//   old f16  matmulPacked's generic kernel (matmul_packed.wgsl: the only packed kernel before the lanes one)
//   new f16  matmulPacked's lanes kernel (matmul_packed_lanes.wgsl), and new bf16 the same with bf16 words
// x [tokens, d_model] @ W [d_model, d_ff] (and W_out, attention-sized and decode shapes of 1-8 rows); `--unembed`
// adds x @ W_U_T^T with W_U_T [50257, 768]. All variants must agree with the f32 product to f16/bf16 rounding (max
// |diff| printed). Wall and CPU time per call, medians, and the speed of the new kernel relative to f32 and to the old one
// (time ratios, > 1 = new is faster): on a shared machine
// only ratios within one run mean anything. Run: `bun bench/ab_packed.ts [--reps 5] [--quick] [--unembed] [--scalar] [--nt] [--only text]`.
import { getDevice, matmul, PackedMatrix, Rng, Tensor, type PackedFormat } from "@sae/tensor-core";
import { matmulPackedVariant, type MatmulPackedVariant } from "../packages/tensor-core/src/ops/matmul_packed.ts";
import { median } from "./lib.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const REPS = arg("--reps", 5);
const quick = process.argv.includes("--quick");
const SCALAR = process.argv.includes("--scalar"); // also the lanes kernel with scalar loads only
const NT = process.argv.includes("--nt"); // also W^T stored [N, K] through the transB kernel (x @ W layouts only)

interface Shape {
  name: string;
  M: number;
  K: number;
  N: number;
  transB?: boolean;
  /** Skip the old kernel (minutes per call at this size). */
  noOld?: boolean;
}
const SHAPES: Shape[] = [
  { name: "decode W_in (gpt2)", M: 1, K: 768, N: 3072 },
  { name: "decode W_in x8 (gpt2)", M: 8, K: 768, N: 3072 },
  { name: "decode W_gate (gemma2-2b)", M: 1, K: 2304, N: 9216 },
  { name: "prefill W_Q (gpt2)", M: 128, K: 768, N: 768 },
  { name: "prefill W_in (gpt2)", M: 512, K: 768, N: 3072 },
  { name: "prefill W_out (gpt2)", M: 512, K: 3072, N: 768 },
  { name: "prefill W_in (gemma2-2b)", M: 128, K: 2304, N: 9216 },
  { name: "odd sizes", M: 37, K: 301, N: 517 },
  ...(quick ? [] : [{ name: "prefill W_Q (gemma2-2b)", M: 2048, K: 2304, N: 2304, noOld: true }]),
  ...(process.argv.includes("--unembed") ? [{ name: "unembed (gpt2)", M: 8, K: 768, N: 50257, transB: true }] : []),
];

/** [rows, cols] -> [cols, rows] on the host. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

const device = await getDevice();
const rng = new Rng(5);
console.log(`packed GEMM A/B on ${device.describe()}, ${REPS} alternating reps after a warm-up call`);
console.log("| shape | M x K x N | f32 ms | old f16 ms | new f16 ms | new bf16 ms | speed new f16 vs f32 | speed new f16 vs old | max |diff| f16, bf16 |");
console.log("|---|---|---|---|---|---|---|---|---|");
const only = process.argv.indexOf("--only"); // shapes whose name contains this text
for (const s of SHAPES.filter((t) => only < 0 || t.name.includes(process.argv[only + 1]))) {
  const x = Tensor.from(device, [s.M, s.K], rng.normalArray(s.M * s.K), "x");
  const wData = rng.normalArray(s.K * s.N, 0.05);
  const wShape = s.transB ? [s.N, s.K] : [s.K, s.N];
  const Wf = Tensor.from(device, wShape, wData, "W f32");
  const packed = (f: PackedFormat) => PackedMatrix.upload(device, wShape, wData, f, { label: `W ${f}` });
  const W16 = packed("f16");
  const Wb16 = packed("bf16");
  const WT16 = NT && !s.transB ? PackedMatrix.upload(device, [s.N, s.K], transposed(wData, s.K, s.N), "f16") : undefined;
  const outs = { f32: Tensor.empty(device, [s.M, s.N]), old: Tensor.empty(device, [s.M, s.N]), f16: Tensor.empty(device, [s.M, s.N]), bf16: Tensor.empty(device, [s.M, s.N]), scalar: Tensor.empty(device, [s.M, s.N]), nt: Tensor.empty(device, [s.M, s.N]) };
  const opts = (out: Tensor) => ({ transB: s.transB, out });
  const pk = (W: PackedMatrix, out: Tensor, v: MatmulPackedVariant) => () => void matmulPackedVariant(x, W, opts(out), v);
  const runs: Record<string, () => void> = {
    f32: () => void matmul(x, Wf, opts(outs.f32)),
    ...(s.noOld ? {} : { old: pk(W16, outs.old, "generic") }),
    f16: pk(W16, outs.f16, "lanes"),
    ...(SCALAR ? { scalar: pk(W16, outs.scalar, "lanes-scalar") } : {}),
    ...(NT && WT16 ? { nt: () => void matmulPackedVariant(x, WT16, { transB: true, out: outs.nt }, "lanes") } : {}),
    bf16: pk(Wb16, outs.bf16, "lanes"),
  };
  const names = Object.keys(runs);
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpuMs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const first: Record<string, number> = {};
  for (let i = -1; i < REPS; i++) {
    for (const v of i % 2 === 0 ? names : [...names].reverse()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      runs[v]();
      await device.sync();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i < 0) first[v] = ms; // warm-up: pipeline compile included
      else {
        wall[v].push(ms);
        cpuMs[v].push((c.user + c.system) / 1000);
      }
    }
  }
  const [f32, old, f16, bf16] = await Promise.all(["f32", "old", "f16", "bf16"].map((k) => outs[k as keyof typeof outs].read()));
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);
  const med = (v: string) => (wall[v] ? median(wall[v]) : NaN);
  const ms = (v: string) => (wall[v] ? med(v).toFixed(1) : "-");
  const oldNew = s.noOld ? "-" : (med("old") / med("f16")).toFixed(2);
  const diffs = `${maxDiff(f32, f16).toExponential(1)}, ${maxDiff(f32, bf16).toExponential(1)}${s.noOld ? "" : `; old vs new ${maxDiff(old, f16).toExponential(1)}`}`;
  console.log(`| ${s.name}${s.transB ? " (W^T)" : ""} | ${s.M} x ${s.K} x ${s.N} | ${ms("f32")} | ${ms("old")} | ${ms("f16")} | ${ms("bf16")} | ${(med("f32") / med("f16")).toFixed(2)} | ${oldNew} | ${diffs} |`);
  const cpuMed = (v: string) => median(cpuMs[v]);
  const cpuLine = names.map((n) => `${n} ${cpuMed(n).toFixed(1)}`).join(", ");
  console.log(`    CPU ms per call (this process, llvmpipe's threads included): ${cpuLine}; speed new f16 vs f32 by CPU ${(cpuMed("f32") / cpuMed("f16")).toFixed(2)}`);
  if (SCALAR) console.log(`    new f16 scalar loads: ${ms("scalar")} ms, speed vs f32 ${(med("f32") / med("scalar")).toFixed(2)}`);
  if (WT16) console.log(`    new f16 stored [N, K]: ${ms("nt")} ms, speed vs f32 ${(med("f32") / med("nt")).toFixed(2)}`);
  console.log(`    first calls (compile included): ${names.map((n) => `${n} ${first[n].toFixed(0)} ms`).join(", ")}`);
  for (const t of [x, Wf, W16, Wb16, ...(WT16 ? [WT16] : []), ...Object.values(outs)]) t.dispose();
}
process.exit(0);
