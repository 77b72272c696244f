// matmul benchmark group: the three SAE training products (encoder forward x @ W_enc, encoder weight gradient
// x^T @ g, gradient through the decoder g @ W_dec^T) at batch 4096, d_in 512/768, d_sae 8x d_in, the 32x shapes
// at the batch that fits one 128 MiB storage binding, and GPT-2 small's projections. Each row: our median time,
// the CPU reference on a slice of rows scaled up, and PyTorch (2 threads) when it is installed. --final: x @ W_enc
// at 4096 x 768 x 6144 only.
import { host, matmul, Rng, Tensor, type Device } from "@sae/tensor-core";
import { cpu } from "@sae/tensor-core/testing";
import { attachTorch, gflops, timeCpu, timeGpu, torchPeer, type BenchGroup, type BenchRow, type TorchSpec } from "./lib.ts";

interface Case {
  name: string;
  M: number;
  K: number;
  N: number;
  transA: boolean;
  transB: boolean;
  reps: number;
}

/** The three SAE products for one (batch, d_in, d_sae). */
function sae(batch: number, d_in: number, d_sae: number, reps: number): Case[] {
  const tag = `d_in ${d_in}, d_sae ${d_sae}, batch ${batch}`;
  return [
    { name: `enc fwd x@W_enc (${tag})`, M: batch, K: d_in, N: d_sae, transA: false, transB: false, reps },
    { name: `enc grad x^T@g (${tag})`, M: d_in, K: batch, N: d_sae, transA: true, transB: false, reps },
    { name: `dec grad g@W_dec^T (${tag})`, M: batch, K: d_in, N: d_sae, transA: false, transB: true, reps },
  ];
}

function cases(quick: boolean, final: boolean): Case[] {
  if (final) return process.env.BENCH_SMALL === "1" ? sae(512, 128, 1024, 3).slice(0, 1) : sae(4096, 768, 6144, 5).slice(0, 1);
  const list: Case[] = [
    { name: "gpt2 qkv", M: 1024, K: 768, N: 2304, transA: false, transB: false, reps: 5 },
    { name: "gpt2 mlp up", M: 1024, K: 768, N: 3072, transA: false, transB: false, reps: 5 },
    { name: "gpt2 mlp down", M: 1024, K: 3072, N: 768, transA: false, transB: false, reps: 5 },
    ...sae(4096, 768, 6144, quick ? 1 : 5),
  ];
  if (quick) return list;
  // 32x: [4096, 32 * d_in] f32 is over the 128 MiB maxStorageBufferBindingSize, so these run at the batch that fits
  return [...list, ...sae(4096, 512, 4096, 2), ...sae(2048, 512, 16384, 1), ...sae(1024, 768, 24576, 1)];
}

const stored = (rows: number, cols: number, trans: boolean) => (trans ? [cols, rows] : [rows, cols]);

/** Times the CPU reference on `rows` rows of op(a) and scales to M rows. */
function referenceMs(c: Case, rng: Rng): { ms: number; note?: string } {
  const rows = Math.min(c.M, Math.max(1, Math.round(2e8 / (2 * c.K * c.N))));
  const a = host(stored(rows, c.K, c.transA), rng.normalArray(rows * c.K));
  const b = host(stored(c.K, c.N, c.transB), rng.normalArray(c.K * c.N));
  const ms = timeCpu(() => cpu.matmul(a, b, { transA: c.transA, transB: c.transB }));
  if (rows === c.M) return { ms };
  return { ms: (ms * c.M) / rows, note: "CPU reference timed on a slice of rows of op(a) and scaled to all rows" };
}

async function runCase(device: Device, c: Case, rng: Rng): Promise<BenchRow> {
  const a = Tensor.from(device, stored(c.M, c.K, c.transA), rng.normalArray(c.M * c.K));
  const b = Tensor.from(device, stored(c.K, c.N, c.transB), rng.normalArray(c.K * c.N));
  const out = Tensor.empty(device, [c.M, c.N]);
  const t = await timeGpu(device, () => matmul(a, b, { transA: c.transA, transB: c.transB, out }), { reps: c.reps });
  for (const x of [a, b, out]) x.dispose();
  const ref = referenceMs(c, rng);
  const shape = `${c.transA ? `[${c.K},${c.M}]^T` : `[${c.M},${c.K}]`} x ${c.transB ? `[${c.N},${c.K}]^T` : `[${c.K},${c.N}]`}`;
  const flops = 2 * c.M * c.N * c.K;
  return { group: "matmul", name: c.name, shape, ms: t.median, reps: c.reps, rate: gflops(flops, t.median), unit: "GFLOP/s", cores: t.cores, refMs: ref.ms, refNote: ref.note };
}

export const group: BenchGroup = {
  name: "matmul",
  async run({ device, quick, final = false }) {
    const rng = new Rng(1234);
    const list = cases(quick, final);
    const rows: BenchRow[] = [];
    for (const c of list) rows.push(await runCase(device, c, rng));
    const specs: TorchSpec[] = list.map((c) => ({ name: c.name, op: "matmul", M: c.M, K: c.K, N: c.N, transA: c.transA, transB: c.transB, reps: Math.max(2, c.reps) }));
    attachTorch(rows, torchPeer(specs, 3));
    return rows;
  },
};
