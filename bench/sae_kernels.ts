// sae_kernels benchmark group: the SAE training step's own kernels at its real sizes (batch 4096, d_in 768, d_sae
// 6144, k 32): topk (k 32/64/128; d_sae 24576 at batch 1024, the most rows whose [batch, d_sae] f32 fits
// llvmpipe's 128 MiB storage binding), batchTopk, sparseDecode and its backward, adam over W_enc, l1Backward.
// Each row: our median time, a rate (GB/s over the bytes the op must move, or GFLOP/s), and the CPU reference
// timed in the same run on a slice of the rows and scaled to all of them (marked *). No PyTorch peer here.
import { adam, batchTopk, host, l1Backward, Rng, sparseDecode, sparseDecodeBackward, Tensor, topk, type Device, type HostTensor } from "@sae/tensor-core";
import { cpu } from "@sae/tensor-core/testing";
import { gbps, gflops, timeCpu, timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";

const SLICE_NOTE = "CPU reference run on a slice of the rows and scaled to all rows";

interface Case {
  name: string;
  shape: string;
  /** Makes inputs, returns the GPU call, the CPU call on `slice` rows, and the scale from the slice to all rows. */
  setup(device: Device, rng: Rng): { gpu: () => void; ref: () => void; scale: number; dispose: () => void };
  rate: { unit: "GB/s" | "GFLOP/s"; amount: number };
  reps: number;
}

function slice(h: HostTensor<"f32">, rows: number): HostTensor<"f32"> {
  const cols = h.shape[1];
  return host([rows, cols], h.data.subarray(0, rows * cols));
}

function sliceI(h: HostTensor<"i32">, rows: number): HostTensor<"i32"> {
  const cols = h.shape[1];
  return { shape: [rows, cols], dtype: "i32", data: h.data.subarray(0, rows * cols) };
}

function topkCase(batch: number, dSae: number, k: number, reps: number): Case {
  return {
    name: `topk k=${k} (d_sae ${dSae}, batch ${batch})`,
    shape: `[${batch},${dSae}]`,
    rate: { unit: "GB/s", amount: 4 * (batch * dSae + 2 * batch * k) },
    reps,
    setup(device, rng) {
      const hx = host([batch, dSae], rng.normalArray(batch * dSae));
      const x = Tensor.fromHost(device, hx);
      const part = slice(hx, 64);
      return {
        gpu: () => {
          const r = topk(x, k);
          r.values.dispose();
          r.indices.dispose();
        },
        ref: () => cpu.topk(part, k),
        scale: batch / 64,
        dispose: () => x.dispose(),
      };
    },
  };
}

function batchTopkCase(batch: number, dSae: number, k: number, reps: number): Case {
  return {
    name: `batchTopk kTotal=${k}*${batch} (d_sae ${dSae})`,
    shape: `[${batch},${dSae}]`,
    rate: { unit: "GB/s", amount: 4 * 2 * batch * dSae },
    reps,
    setup(device, rng) {
      const hx = host([batch, dSae], rng.normalArray(batch * dSae));
      const x = Tensor.fromHost(device, hx);
      const part = slice(hx, 64);
      return {
        gpu: () => {
          const r = batchTopk(x, k * batch);
          r.out.dispose();
          r.threshold.dispose();
        },
        ref: () => cpu.batchTopk(part, k * 64), // a whole-batch sort: 64 rows stand for 1/64 of it
        scale: batch / 64,
        dispose: () => x.dispose(),
      };
    },
  };
}

/** Sparse inputs of a TopK SAE: values [batch, k], distinct sorted-free indices [batch, k], W_dec [d_sae, d_in]. */
function sparseInputs(rng: Rng, batch: number, k: number, dSae: number, dIn: number) {
  const values = host([batch, k], rng.normalArray(batch * k));
  const idx = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) {
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      let i = rng.int(dSae);
      while (seen.has(i)) i = rng.int(dSae);
      seen.add(i);
      idx[b * k + j] = i;
    }
  }
  const indices: HostTensor<"i32"> = { shape: [batch, k], dtype: "i32", data: idx };
  const W = host([dSae, dIn], rng.normalArray(dSae * dIn, 0.05));
  return { values, indices, W };
}

function sparseDecodeCase(batch: number, k: number, dSae: number, dIn: number, backward: boolean, reps: number): Case {
  return {
    name: `sparseDecode${backward ? "Backward" : ""} (k ${k}, d_sae ${dSae}, d_in ${dIn})`,
    shape: `[${batch},${k}] x [${dSae},${dIn}]`,
    rate: { unit: "GFLOP/s", amount: (backward ? 4 : 2) * batch * k * dIn },
    reps,
    setup(device, rng) {
      const h = sparseInputs(rng, batch, k, dSae, dIn);
      const gradOut = host([batch, dIn], rng.normalArray(batch * dIn));
      const [values, W, g] = [h.values, h.W, gradOut].map((t) => Tensor.fromHost(device, t));
      const indices = Tensor.fromHost(device, h.indices);
      const gradWdec = Tensor.from(device, [dSae, dIn], new Float32Array(dSae * dIn));
      const rows = 256;
      const [pv, pi, pg] = [slice(h.values, rows), sliceI(h.indices, rows), slice(gradOut, rows)];
      return {
        gpu: backward
          ? () => sparseDecodeBackward(g, values, indices, W, { gradWdec }).gradValues.dispose()
          : () => sparseDecode(values, indices, W).dispose(),
        ref: backward ? () => cpu.sparseDecodeBackward(pg, pv, pi, h.W) : () => cpu.sparseDecode(pv, pi, h.W),
        scale: batch / rows,
        dispose: () => {
          for (const t of [values, indices, W, g, gradWdec]) t.dispose();
        },
      };
    },
  };
}

function adamCase(dIn: number, dSae: number, reps: number): Case {
  const n = dIn * dSae;
  return {
    name: `adam W_enc (d_in ${dIn}, d_sae ${dSae})`,
    shape: `[${dIn},${dSae}]`,
    rate: { unit: "GB/s", amount: 4 * 7 * n }, // reads param, grad, m, v; writes param, m, v
    reps,
    setup(device, rng) {
      const hs = [rng.normalArray(n), rng.normalArray(n), new Float32Array(n), new Float32Array(n)].map((d) => host([dIn, dSae], d));
      const [p, g, m, v] = hs.map((h) => Tensor.fromHost(device, h));
      let step = 0;
      const rows = 64;
      const part = hs.map((h) => slice(h, rows));
      let refStep = 0;
      return {
        gpu: () => adam(p, g, m, v, { lr: 1e-4, step: ++step }),
        ref: () => cpu.adam(part[0], part[1], part[2], part[3], { lr: 1e-4, step: ++refStep }),
        scale: dIn / rows,
        dispose: () => {
          for (const t of [p, g, m, v]) t.dispose();
        },
      };
    },
  };
}

function l1Case(batch: number, dSae: number, dIn: number, reps: number): Case {
  return {
    name: `l1Backward (batch ${batch}, d_sae ${dSae}, d_in ${dIn})`,
    shape: `[${batch},${dSae}] [${dSae},${dIn}]`,
    rate: { unit: "GB/s", amount: 4 * (3 * batch * dSae + 3 * dSae * dIn) },
    reps,
    setup(device, rng) {
      const f = host([batch, dSae], rng.normalArray(batch * dSae));
      const W = host([dSae, dIn], rng.normalArray(dSae * dIn, 0.05));
      const [tf, tW] = [f, W].map((h) => Tensor.fromHost(device, h));
      const gradF = Tensor.from(device, [batch, dSae], new Float32Array(batch * dSae));
      const gradW = Tensor.from(device, [dSae, dIn], new Float32Array(dSae * dIn));
      const rows = 256;
      const pf = slice(f, rows);
      const pgF = host([rows, dSae], new Float32Array(rows * dSae));
      const pgW = host([dSae, dIn], new Float32Array(dSae * dIn));
      return {
        gpu: () => l1Backward(tf, tW, 1e-3, gradF, gradW).dispose(),
        ref: () => cpu.l1Backward(pf, W, 1e-3, pgF, pgW), // the W_dec norms are counted once per slice
        scale: batch / rows,
        dispose: () => {
          for (const t of [tf, tW, gradF, gradW]) t.dispose();
        },
      };
    },
  };
}

function cases(quick: boolean): Case[] {
  const reps = quick ? 3 : 5;
  const B = 4096;
  const list = [
    topkCase(B, 6144, 32, reps),
    topkCase(B, 6144, 128, reps),
    batchTopkCase(B, 6144, 32, reps),
    sparseDecodeCase(B, 32, 6144, 768, false, reps),
    sparseDecodeCase(B, 32, 6144, 768, true, reps),
    adamCase(768, 6144, reps),
    l1Case(B, 6144, 768, reps),
  ];
  if (quick) return list;
  return [
    ...list.slice(0, 1),
    topkCase(B, 6144, 64, reps),
    ...list.slice(1),
    topkCase(1024, 24576, 32, reps),
    topkCase(1024, 24576, 64, reps),
    topkCase(1024, 24576, 128, reps),
  ];
}

export const group: BenchGroup = {
  name: "sae_kernels",
  async run({ device, quick }) {
    const rng = new Rng(7);
    const rows: BenchRow[] = [];
    for (const c of cases(quick)) {
      const s = c.setup(device, rng);
      const t = await timeGpu(device, s.gpu, { reps: c.reps, warmup: 2 });
      const refMs = timeCpu(s.ref, 1) * s.scale;
      s.dispose();
      const rate = c.rate.unit === "GB/s" ? gbps(c.rate.amount, t.median) : gflops(c.rate.amount, t.median);
      rows.push({ group: "sae_kernels", name: c.name, shape: c.shape, ms: t.median, reps: c.reps, rate, unit: c.rate.unit, cores: t.cores, refMs, refNote: SLICE_NOTE });
    }
    return rows;
  },
};
