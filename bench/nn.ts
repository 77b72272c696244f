// nn benchmark group: the memory-bound layer ops of the transformer forward and the SAE training step (binary
// broadcasts, gelu, layerNorm, softmax, row and column sums) at [4096, 768] and GPT-2 small's shapes. Each row: our
// median time, GB/s over the bytes the op must move (read inputs once, write the output once), and the CPU
// reference measured in the same run. No PyTorch peer (bench/torch_peer.py times matmul only).
import { add, colSum, gelu, host, layerNorm, mul, rowSum, softmax, Rng, Tensor, type Device, type HostTensor, type Shape } from "@sae/tensor-core";
import { cpu } from "@sae/tensor-core/testing";
import { gbps, timeCpu, timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";

interface Case {
  name: string;
  /** Input shapes; the first is the main operand. */
  inputs: Shape[];
  /** Elements written. */
  outSize: number;
  gpu: (t: Tensor[]) => Tensor;
  ref: (h: HostTensor<"f32">[]) => unknown;
  reps: number;
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

function cases(quick: boolean): Case[] {
  const R = 4096;
  const C = 768;
  const x = [R, C];
  const reps = quick ? 5 : 9;
  const list: Case[] = [
    { name: "add [R,C]+[C]", inputs: [x, [C]], outSize: R * C, gpu: ([a, b]) => add(a, b), ref: ([a, b]) => cpu.add(a, b), reps },
    { name: "add same shape", inputs: [x, x], outSize: R * C, gpu: ([a, b]) => add(a, b), ref: ([a, b]) => cpu.add(a, b), reps },
    { name: "mul [R,C]*[R,1]", inputs: [x, [R, 1]], outSize: R * C, gpu: ([a, b]) => mul(a, b), ref: ([a, b]) => cpu.mul(a, b), reps },
    { name: "gelu", inputs: [x], outSize: R * C, gpu: ([a]) => gelu(a), ref: ([a]) => cpu.gelu(a), reps },
    { name: "layerNorm", inputs: [x, [C], [C]], outSize: R * C, gpu: ([a, g, b]) => layerNorm(a, g, b), ref: ([a, g, b]) => cpu.layerNorm(a, g, b), reps },
    { name: "softmax", inputs: [x], outSize: R * C, gpu: ([a]) => softmax(a), ref: ([a]) => cpu.softmax(a), reps },
    { name: "rowSum", inputs: [x], outSize: R, gpu: ([a]) => rowSum(a), ref: ([a]) => cpu.rowSum(a), reps },
    { name: "colSum", inputs: [x], outSize: C, gpu: ([a]) => colSum(a), ref: ([a]) => cpu.colSum(a), reps },
  ];
  if (quick) return list;
  // GPT-2 small at 1024 tokens: the MLP's gelu, the block's layerNorm and residual add, attention's causal softmax.
  const T = 1024;
  return [
    ...list,
    { name: "gpt2 gelu", inputs: [[T, 3072]], outSize: T * 3072, gpu: ([a]) => gelu(a), ref: ([a]) => cpu.gelu(a), reps },
    { name: "gpt2 layerNorm", inputs: [[T, 768], [768], [768]], outSize: T * 768, gpu: ([a, g, b]) => layerNorm(a, g, b), ref: ([a, g, b]) => cpu.layerNorm(a, g, b), reps },
    { name: "gpt2 residual add", inputs: [[T, 768], [T, 768]], outSize: T * 768, gpu: ([a, b]) => add(a, b), ref: ([a, b]) => cpu.add(a, b), reps },
    {
      name: "gpt2 attn softmax (causal)",
      inputs: [[12, T, T]],
      outSize: 12 * T * T,
      gpu: ([a]) => softmax(a, { causal: true, scale: 0.125 }),
      ref: ([a]) => cpu.softmax(a, { causal: true, scale: 0.125 }),
      reps,
    },
  ];
}

function shapeText(c: Case): string {
  return c.inputs.map((s) => `[${s.join(",")}]`).join(" ");
}

async function runCase(device: Device, c: Case, rng: Rng): Promise<BenchRow> {
  const hs = c.inputs.map((s) => host(s, rng.normalArray(size(s))));
  const ts = hs.map((h) => Tensor.fromHost(device, h));
  const t = await timeGpu(device, () => c.gpu(ts).dispose(), { reps: c.reps, warmup: 3 });
  for (const x of ts) x.dispose();
  const refMs = timeCpu(() => c.ref(hs), 3);
  const bytes = 4 * (hs.reduce((n, h) => n + h.data.length, 0) + c.outSize);
  return { group: "nn", name: c.name, shape: shapeText(c), ms: t.median, reps: c.reps, rate: gbps(bytes, t.median), unit: "GB/s", cores: t.cores, refMs };
}

export const group: BenchGroup = {
  name: "nn",
  async run({ device, quick }) {
    const rng = new Rng(99);
    const rows: BenchRow[] = [];
    for (const c of cases(quick)) rows.push(await runCase(device, c, rng));
    return rows;
  },
};
