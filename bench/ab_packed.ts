// A/B of the half-precision weight GEMM, in one process, call by call in alternating order, at model shapes:
//   f32      matmul (the f32 Tensor weight; on llvmpipe the lanes kernels)
//   old f16  matmulPacked's generic kernel (matmul_packed.wgsl: the only packed kernel before the lanes one)
//   new f16  matmulPacked's lanes kernel (matmul_packed_lanes.wgsl), and new bf16 the same with bf16 words
// x [tokens, d_model] @ W [d_model, d_ff] (W_out, attention-sized, decode steps of 1 and 8 rows, the unembedding
// x @ W_U_T^T). Every variant must agree with the f32 product to f16/bf16 rounding (max |diff| printed). Wall and
// CPU time per call (CPU: this process with llvmpipe's threads, steadier on a loaded machine), medians, and the speed
// of the new kernel relative to f32 and to the old one (time ratios, > 1 = new is faster). On a shared machine only
// ratios within one run mean anything.
// Run: `bun bench/ab_packed.ts [--reps 5] [--quick] [--scalar] [--nt] [--only text]`; --scalar adds the lanes kernel
// with scalar loads only, --nt W stored [N, K] through the transB kernel, --only the shapes whose name has the text.
import { getDevice, matmul, PackedMatrix, Rng, Tensor, type PackedFormat } from "@sae/tensor-core";
import { matmulPackedVariant, type MatmulPackedVariant } from "../packages/tensor-core/src/ops/matmul_packed.ts";
import { median } from "./lib.ts";

const argv = process.argv;
const value = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const REPS = Number(value("--reps") ?? 5);
const QUICK = argv.includes("--quick");
const SCALAR = argv.includes("--scalar");
const NT = argv.includes("--nt");
const ONLY = value("--only");

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
  { name: "unembed x8 (gpt2)", M: 8, K: 768, N: 50257, transB: true },
  { name: "odd sizes", M: 37, K: 301, N: 517 },
  ...(QUICK ? [] : [{ name: "prefill W_Q (gemma2-2b)", M: 2048, K: 2304, N: 2304, noOld: true }]),
];

/** [rows, cols] -> [cols, rows] on the host. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);

const device = await getDevice();
const rng = new Rng(5);
console.log(`packed GEMM A/B on ${device.describe()}, ${REPS} alternating reps after a warm-up call`);
console.log(
  "| shape | M x K x N | f32 ms | old f16 ms | new f16 ms | new bf16 ms | new f16 vs f32 | new f16 vs old " +
    "| CPU ms f32 / old / f16 / bf16 | by CPU: vs f32, vs old | max abs diff to f32: f16, bf16 |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const s of SHAPES.filter((t) => ONLY === undefined || t.name.includes(ONLY))) {
  const x = Tensor.from(device, [s.M, s.K], rng.normalArray(s.M * s.K), "x");
  const wData = rng.normalArray(s.K * s.N, 0.05);
  const wShape = s.transB ? [s.N, s.K] : [s.K, s.N];
  const Wf = Tensor.from(device, wShape, wData, "W f32");
  const packed = (f: PackedFormat) => PackedMatrix.upload(device, wShape, wData, f, { label: `W ${f}` });
  const W16 = packed("f16");
  const Wb16 = packed("bf16");
  const WT16 = NT && !s.transB ? PackedMatrix.upload(device, [s.N, s.K], transposed(wData, s.K, s.N), "f16") : null;
  const extra = [...(SCALAR ? ["scalar"] : []), ...(WT16 ? ["nt"] : [])];
  const names = ["f32", ...(s.noOld ? [] : ["old"]), "f16", "bf16", ...extra];
  const outs = Object.fromEntries(names.map((n) => [n, Tensor.empty(device, [s.M, s.N], "f32", n)]));
  const pk = (W: PackedMatrix, v: MatmulPackedVariant, out: Tensor, transB = s.transB) => () =>
    void matmulPackedVariant(x, W, { transB, out }, v);
  const runs: Record<string, () => void> = {
    f32: () => void matmul(x, Wf, { transB: s.transB, out: outs.f32 }),
    old: pk(W16, "generic", outs.old),
    f16: pk(W16, "lanes", outs.f16),
    bf16: pk(Wb16, "lanes", outs.bf16),
    scalar: pk(W16, "lanes-scalar", outs.scalar),
    ...(WT16 ? { nt: pk(WT16, "lanes", outs.nt, true) } : {}),
  };
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
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
        cpu[v].push((c.user + c.system) / 1000);
      }
    }
  }
  const got = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await outs[n].read()] as const)));
  const w = (v: string) => (wall[v] ? median(wall[v]) : NaN);
  const c = (v: string) => (cpu[v] ? median(cpu[v]) : NaN);
  const r = (a: number, b: number) => (Number.isNaN(a / b) ? "-" : (a / b).toFixed(2));
  const ms = (v: string) => (wall[v] ? w(v).toFixed(1) : "-");
  const cpus = ["f32", "old", "f16", "bf16"].map((v) => (cpu[v] ? c(v).toFixed(1) : "-")).join(" / ");
  const diffs = `${maxDiff(got.f32, got.f16).toExponential(1)}, ${maxDiff(got.f32, got.bf16).toExponential(1)}`;
  const shape = `${s.M} x ${s.K} x ${s.N}${s.transB ? " (W^T)" : ""}`;
  const byCpu = `${r(c("f32"), c("f16"))}, ${r(c("old"), c("f16"))}`;
  const times = ["f32", "old", "f16", "bf16"].map(ms);
  const cols = [s.name, shape, ...times, r(w("f32"), w("f16")), r(w("old"), w("f16"))];
  console.log(`| ${[...cols, cpus, byCpu, diffs].join(" | ")} |`);
  if (got.old) console.log(`    old vs new f16: max abs diff ${maxDiff(got.old, got.f16).toExponential(1)}`);
  for (const [v, what] of [["scalar", "scalar loads only"], ["nt", "W stored [N, K]"]]) {
    if (!wall[v]) continue;
    const vs = `vs f32 ${r(w("f32"), w(v))} (CPU ${r(c("f32"), c(v))})`;
    console.log(`    new f16, ${what}: ${ms(v)} ms, CPU ${c(v).toFixed(1)} ms; ${vs}`);
  }
  const firsts = names.map((n) => `${n} ${first[n].toFixed(0)} ms`).join(", ");
  console.log(`    first calls (compile included): ${firsts}`);
  for (const t of [x, Wf, W16, Wb16, ...(WT16 ? [WT16] : []), ...Object.values(outs)]) t.dispose();
}
process.exit(0);
