// Profile of the TopK training step (d_in 768, d_sae 6144, batch 4096, k 32; `--small`: 128, 1024, 512): the whole
// step as bench/train.ts times it, then every op it dispatches timed alone (synced, median) on the step's own
// tensors, in the order the step runs them (packages/sae/src/arch/topk/topk.ts, topk/sparse.ts, then Adam and the decoder
// renormalisation), with the bytes each must move at least and the rate that gives. The sum of the ops against the
// step's time is the cost of running them in one submission instead of alone; dispatches per step from
// device.dispatchCount. Public ops only: no timestamp queries (a Device concern; not exposed).
// Run: `bun bench/profile_topk.ts [--small] [--reps 5]`, or as the `profile` group of bench/run.ts (in --final).
import {
  adam, getDevice, latentLists, matmul, Rng, saeActivation, saeAxpby, saeDot, saeRowNorm, saeRowScale,
  sparseDecode, sparseDecodeBackward, sparseEncoderGrad, Tensor, topk, type Device,
} from "@sae/tensor-core";
import { Sae } from "@sae/core";
import { timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";

const small = process.argv.includes("--small") || process.env.BENCH_SMALL === "1";
const [D_IN, D_SAE, BATCH, K] = small ? [128, 1024, 512, 32] : [768, 6144, 4096, 32];

interface Part {
  name: string;
  /** Bytes the op must read and write at least (f32), for a bandwidth figure. */
  bytes: number;
  run: () => unknown;
}

interface ProfileRow extends BenchRow {
  /** The summary lines (first row only). */
  summary?: string[];
}

async function profile(device: Device, REPS: number): Promise<ProfileRow[]> {
  const rng = new Rng(11);
  const sae = Sae.create(device, { architecture: "topk", d_in: D_IN, d_sae: D_SAE, k: K }, 3);
  const p = sae.params;
  const x = Tensor.from(device, [BATCH, D_IN], rng.normalArray(BATCH * D_IN), "x");
  const zeros = (t: Tensor) => Tensor.zeros(device, t.shape, "f32", "adam state");
  const mv = Object.fromEntries(Object.entries(p).map(([n, t]) => [n, { m: zeros(t), v: zeros(t) }]));

  // the whole step, as bench/train.ts's stepper runs it
  const names = Object.keys(p).sort();
  const step = async (i: number) => {
    await sae.trainForward(x, {});
    const g = sae.backward();
    for (const n of names) adam(p[n], g[n], mv[n].m, mv[n].v, { lr: 1e-4, step: i + 1 });
    sae.normalizeDecoder();
    for (const t of Object.values(g)) t.dispose();
    sae.releaseStep();
  };
  const d0 = device.dispatchCount;
  await step(0);
  await device.sync();
  const perStep = device.dispatchCount - d0;
  const whole = await timeGpu(device, step, { reps: REPS, warmup: 1 });

  // the step's tensors, made once by the same ops
  const saeIn = saeAxpby(x, null, p.b_dec, 1, 0, -1);
  const pre = matmul(saeIn, p.W_enc, { bias: p.b_enc });
  const top = topk(pre, K);
  const values = saeActivation("relu", top.values);
  const out = sparseDecode(values, top.indices, p.W_dec, { bias: p.b_dec });
  const gOut = saeAxpby(out, x, null, 2 / BATCH, -2 / BATCH, 0);
  const lists = latentLists(top.indices, D_SAE);
  const gradWdec = Tensor.empty(device, [D_SAE, D_IN], "f32", "grad W_dec");
  const decodeBackward = () => sparseDecodeBackward(gOut, values, top.indices, p.W_dec, { gradWdec, lists, overwrite: true, reluMask: true });
  const { gradValues: gV } = decodeBackward(); // masked by the ReLU in the same kernel
  const { gradWenc, gradBenc } = sparseEncoderGrad(saeIn, gV, top.indices, D_SAE, { lists });
  const gBdec = Tensor.zeros(device, [D_IN], "f32", "grad b_dec");
  const ones = Tensor.from(device, [1, BATCH], new Float32Array(BATCH).fill(1), "ones");
  await device.sync();

  const f = 4;
  const [bd, bs, bk, ds] = [BATCH * D_IN, BATCH * D_SAE, BATCH * K, D_SAE * D_IN];
  // what an op returned is freed after it, unless it is one of the step's tensors (fill returns its argument)
  const keep = new Set<Tensor>([gradWdec, gBdec, ...Object.values(p)]);
  const free = (r: unknown): void => {
    if (r instanceof Tensor) {
      if (!keep.has(r)) r.dispose();
    } else if (Array.isArray(r)) r.forEach(free);
    else if (r && typeof r === "object") Object.values(r).forEach(free);
  };
  const parts: Part[] = [
    { name: "center x - b_dec (saeAxpby)", bytes: 2 * bd * f, run: () => saeAxpby(x, null, p.b_dec, 1, 0, -1) },
    { name: "encoder GEMM + bias (matmul)", bytes: (bd + ds + bs) * f, run: () => matmul(saeIn, p.W_enc, { bias: p.b_enc }) },
    { name: "topk k=32 of pre", bytes: (bs + 2 * bk) * f, run: () => topk(pre, K) },
    { name: "relu of the k values (saeActivation)", bytes: 2 * bk * f, run: () => saeActivation("relu", top.values) },
    { name: "sparse decode + b_dec", bytes: (2 * bk + bd) * f, run: () => sparseDecode(values, top.indices, p.W_dec, { bias: p.b_dec }) },
    { name: "mse grad + loss (saeAxpby, saeDot)", bytes: 3 * bd * f, run: () => [saeAxpby(out, x, null, 2 / BATCH, -2 / BATCH, 0), saeDot(gOut, gOut, BATCH / 4)] },
    { name: "latent lists (sort pairs by latent)", bytes: 4 * bk * f, run: () => latentLists(top.indices, D_SAE) },
    { name: "sparse decode backward (grad W_dec rows written, ReLU-masked grad values)", bytes: (bd + 2 * ds + 3 * bk) * f, run: () => decodeBackward().gradValues },
    { name: "sparse encoder grad (grad W_enc, b_enc)", bytes: (bd + ds + 2 * bk) * f, run: () => sparseEncoderGrad(saeIn, gV, top.indices, D_SAE, { lists }) },
    { name: "grad b_dec = colsum(gOut) (matmul ones)", bytes: bd * f, run: () => matmul(ones, gOut, { out: gBdec.reshape([1, D_IN]) }) },
    { name: "grad b_dec -= W_enc @ grad b_enc (matmul)", bytes: ds * f, run: () => matmul(p.W_enc, gradBenc.reshape([D_SAE, 1]), { accumulate: true, alpha: -1, out: gBdec.reshape([D_IN, 1]) }) },
    { name: "adam W_enc", bytes: 7 * ds * f, run: () => adam(p.W_enc, gradWenc, mv.W_enc.m, mv.W_enc.v, { lr: 1e-9, step: 1 }) },
    { name: "adam W_dec", bytes: 7 * ds * f, run: () => adam(p.W_dec, gradWdec, mv.W_dec.m, mv.W_dec.v, { lr: 1e-9, step: 1 }) },
    { name: "adam b_enc, b_dec", bytes: 7 * (D_SAE + D_IN) * f, run: () => [adam(p.b_enc, gradBenc, mv.b_enc.m, mv.b_enc.v, { lr: 1e-9, step: 1 }), adam(p.b_dec, gBdec, mv.b_dec.m, mv.b_dec.v, { lr: 1e-9, step: 1 })] },
    { name: "decoder renorm (saeRowNorm + saeRowScale)", bytes: 3 * ds * f, run: () => { const n = saeRowNorm(p.W_dec); saeRowScale("divide", p.W_dec, n); n.dispose(); } },
  ];
  const shape = `d_in ${D_IN}, d_sae ${D_SAE}, batch ${BATCH}, k ${K}`;
  const rows: ProfileRow[] = [];
  for (const part of parts) {
    const t = await timeGpu(device, () => free(part.run()), { reps: REPS, warmup: 1 });
    rows.push({ group: "profile", name: part.name, shape, ms: t.median, reps: REPS, rate: part.bytes / t.median / 1e6, unit: "GB/s", cores: t.cores });
  }
  for (const t of [saeIn, pre, top.values, top.indices, values, out, gOut, gradWdec, gV, gradWenc, gradBenc, gBdec, ones, x]) t.dispose();
  lists.dispose();
  sae.dispose();
  const sum = rows.reduce((a, r) => a + r.ms, 0);
  const gemm = rows[1].ms;
  rows[0].summary = [
    `TopK step ${shape}: ${whole.median.toFixed(0)} ms median of ${REPS} (min ${whole.min.toFixed(0)}; all ${whole.all.map((t) => t.toFixed(0)).join(", ")}; cores ${whole.cores.toFixed(2)}), ${perStep} dispatches per step`,
    `ops timed alone: sum ${sum.toFixed(0)} ms; encoder GEMM ${gemm.toFixed(0)} ms (${((2 * BATCH * D_IN * D_SAE) / gemm / 1e6).toFixed(1)} GFLOP/s); everything else ${(sum - gemm).toFixed(0)} ms alone, ${(whole.median - gemm).toFixed(0)} ms in the step`,
  ];
  return rows;
}

export function printProfile(rows: BenchRow[]): string {
  const r0 = rows[0] as ProfileRow;
  const step = Number(/: (\d+) ms median/.exec(r0.summary?.[0] ?? "")?.[1] ?? NaN);
  const lines = ["### profile: TopK step, op by op", "", ...(r0.summary ?? []), "", "| op (in step order) | ms alone (median) | share of step | GB/s at its minimum bytes |", "|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.name} | ${r.ms.toFixed(1)} | ${((100 * r.ms) / step).toFixed(0)}% | ${r.rate.toFixed(2)} |`);
  const text = lines.join("\n");
  console.log(`${text}\n`);
  return text;
}

export const group: BenchGroup = {
  name: "profile",
  run: ({ device, quick }) => profile(device, quick ? 3 : 5),
  print: printProfile,
};

if (import.meta.main) {
  const repsArg = process.argv.indexOf("--reps");
  printProfile(await profile(await getDevice(), repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 5));
  process.exit(0);
}
