// scale benchmark group (opt-in: `bun bench/run.ts scale`, or `bun bench/scale.ts [--quick]`): how a training step
// grows with d_sae on the tensor core, past one storage binding: TopK (k 32) at d_sae 8k, 32k, 131k and standard at
// 24k, d_in 768, batch 4096, Adam. Each row gives the step time and the step's peak device memory (the pool's live
// bytes), so RESULTS.md can draw the cost curve. BENCH_SMALL=1 shrinks d_in, batch and every width by 16 (a smoke
// check of the bench itself). Not in the default or --final runs: the 131k row alone takes minutes on lavapipe.
import { getDevice, Rng, Tensor, type Device } from "@sae/tensor-core";
import { Sae, type ArchitectureName } from "@sae/core";
import { timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";
import { stepper } from "./train.ts";

const SMALL = process.env.BENCH_SMALL === "1";
const DIV = SMALL ? 16 : 1;
const D_IN = 768 / DIV;
const BATCH = 4096 / DIV;
const K = 32;

const CASES: { arch: ArchitectureName; dSae: number }[] = [
  { arch: "topk", dSae: 8192 / DIV },
  { arch: "topk", dSae: 32768 / DIV },
  { arch: "topk", dSae: 131072 / DIV },
  { arch: "standard", dSae: 24576 / DIV },
];

export interface ScaleRow extends BenchRow {
  dSae: number;
  peakBytes: number;
}

async function row(device: Device, arch: ArchitectureName, dSae: number, quick: boolean): Promise<ScaleRow> {
  const sae = Sae.create(device, { architecture: arch, d_in: D_IN, d_sae: dSae, k: K, l1_coefficient: 5 }, 3);
  const x = Tensor.from(device, [BATCH, D_IN], new Rng(7).normalArray(BATCH * D_IN), "bench batch");
  const step = stepper(sae, x, arch === "topk");
  device.pool.resetPeak();
  const t = await timeGpu(device, step, { warmup: 1, reps: quick ? 1 : 3 });
  const peakBytes = device.memory().peakBytes;
  sae.dispose();
  x.dispose();
  device.pool.trim();
  return {
    group: "scale",
    name: `sae ${arch}${arch === "topk" ? ` k=${K}` : ""} d_sae ${dSae}`,
    shape: `d_in ${D_IN}, d_sae ${dSae}, batch ${BATCH}`,
    ms: t.median,
    reps: t.all.length,
    rate: BATCH / (t.median / 1000),
    unit: "tokens/s",
    cores: t.cores,
    dSae,
    peakBytes,
  };
}

function print(rows: BenchRow[]): string {
  const lines = ["scale: step time and peak device memory by d_sae"];
  lines.push("name | ms | tokens/s | peak device MiB | ms / d_sae (k)");
  for (const r of rows as ScaleRow[]) {
    const perK = r.ms / (r.dSae / 1024);
    const mib = (r.peakBytes / 2 ** 20).toFixed(0);
    lines.push(`${r.name} | ${r.ms.toFixed(0)} | ${r.rate.toFixed(0)} | ${mib} | ${perK.toFixed(1)}`);
  }
  const text = lines.join("\n");
  console.log(text);
  return text;
}

export const group: BenchGroup = {
  name: "scale",
  async run({ device, quick }) {
    const rows: ScaleRow[] = [];
    for (const c of CASES) rows.push(await row(device, c.arch, c.dSae, quick));
    return rows;
  },
  print,
};

if (import.meta.main) {
  const device = await getDevice();
  print(await group.run({ device, quick: process.argv.includes("--quick") }));
}
