// train benchmark group: SAE training tokens/s per architecture at d_in 768, d_sae 6144, batch 4096, Adam, fp32,
// on the tensor core, beside the same step in PyTorch (bench/torch_train_peer.py, dense as SAELens computes it) and
// the bundled model's activations tokens/s (runWithCache to blocks.1.hook_resid_pre). One step = trainForward +
// backward + adam on every parameter + decoder renormalisation when the architecture does it, synced at its end.
// Also checks that the buffer pool creates nothing new in steady state (`--steps N` runs N extra steps for that).
// Run alone: `bun bench/train.ts [--quick] [--steps 1000] [--arch topk,standard]`; or through bench/run.ts.
import { adam, getDevice, Rng, Tensor, type Device } from "@sae/tensor-core";
import { Sae, type ArchitectureName, type SaeParams } from "@sae/core";
import { loadBundled } from "@sae/transformer/node";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, runPeer, timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";
import { peerCheck } from "./peer_check.ts";

// BENCH_SMALL=1 (`bun bench/run.ts --small`): small shapes, to check the bench itself on a busy machine
const SMALL = process.env.BENCH_SMALL === "1";
const D_IN = SMALL ? 128 : 768;
const D_SAE = SMALL ? 1024 : 6144;
const BATCH = SMALL ? 512 : 4096;
const K = 32;

interface ArchCase {
  arch: ArchitectureName;
  /** Renormalise W_dec rows after each step (TopK keeps a unit-norm decoder; the others put norms in the loss). */
  normalizeDecoder: boolean;
  /** Standard or JumpReLU SAE as training leaves it: about 64 of 6144 latents fire per token (L0 64; sparsify). */
  trainedSparsity?: boolean;
  /** TopK with every 4th latent dead: the aux-k term (k_aux = 384) joins the step, on both sides. */
  deadQuarter?: boolean;
  /** A row of the short final run (`bun bench/run.ts --final`). */
  final?: boolean;
}

const CASES: ArchCase[] = [
  { arch: "topk", normalizeDecoder: true, final: true },
  { arch: "topk", normalizeDecoder: true, deadQuarter: true, final: true },
  { arch: "standard", normalizeDecoder: false },
  { arch: "standard", normalizeDecoder: false, trainedSparsity: true, final: true },
  { arch: "jumprelu", normalizeDecoder: false },
  { arch: "jumprelu", normalizeDecoder: false, trainedSparsity: true },
];

const caseName = (c: ArchCase) => `sae ${c.arch}${c.arch === "topk" ? ` k=${K}` : ""}${c.trainedSparsity ? " (L0 ~64: sparse step)" : ""}${c.deadQuarter ? " (1/4 dead: aux-k)" : ""}`;

/**
 * Standard: b_enc[i] = -2.31 ||W_enc[:, i]||. For x ~ N(0, I) each pre-activation is N(b_enc[i], ||W_enc[:, i]||^2),
 * so it is positive with probability 1.04%, about 64 of 6144 per token (the busiest of 4096 rows ~100, under
 * K = 256). JumpReLU: b_enc = 0 and threshold t_i = 2.31 ||W_enc[:, i]|| (log_threshold), the same odds.
 */
async function sparsify(sae: Sae): Promise<void> {
  const W = await sae.params.W_enc.read(); // [d_in, d_sae]
  const sq = new Float32Array(D_SAE);
  for (let d = 0; d < D_IN; d++) for (let i = 0; i < D_SAE; i++) sq[i] += W[d * D_SAE + i] ** 2;
  const edge = sq.map((v) => 2.31 * Math.sqrt(v));
  if (sae.params.log_threshold) {
    sae.params.b_enc.write(new Float32Array(D_SAE));
    sae.params.log_threshold.write(edge.map(Math.log));
  } else sae.params.b_enc.write(edge.map((v) => -v));
}

export interface TrainRow extends BenchRow {
  tokensPerS: number;
  torchTokensPerS?: number;
  /** The strong TopK peer (bench/torch_topk_sparse.py: decoder and W_dec gradient through the k active latents). */
  sparsePeerMs?: number;
  sparsePeerNote?: string;
  /** Median CPU ms per step of this process (llvmpipe's workers included) and of the PyTorch peer: comparable when
   * the machine is shared, where wall times swing with the load. */
  cpuMs?: number;
  torchCpuMs?: number;
  /** Fastest step. */
  minMs?: number;
  /** device.memory().peakBytes during one steady-state step. */
  peakBytes?: number;
  /** Buffers the pool created over the steady-state steps (0: no per-step allocation). */
  createdGrowth?: number;
  checkedSteps?: number;
  stepsMs?: number[];
}


/** One Adam training step of `sae` on x, the way the trainer does it minus clipping and statistics. */
/** One training step of `sae` on `x` (forward, backward, Adam); `step.dispose()` frees Adam's moments. */
export function stepper(
  sae: Sae,
  x: Tensor,
  normalizeDecoder: boolean,
  deadQuarter = false,
): ((i: number) => Promise<void>) & { dispose: () => void } {
  const names = Object.keys(sae.params).sort();
  const zeros = (n: string, what: string) => Tensor.zeros(sae.device, sae.params[n].shape, "f32", `${what} ${n}`);
  const m: SaeParams = Object.fromEntries(names.map((n) => [n, zeros(n, "adam m")]));
  const v: SaeParams = Object.fromEntries(names.map((n) => [n, zeros(n, "adam v")]));
  // nothing dead (aux-k off), or every 4th latent dead; PyTorch's step gets the same (dead_fraction)
  const deadMask = Float32Array.from({ length: sae.cfg.d_sae }, (_, i) => (deadQuarter && i % 4 === 0 ? 1 : 0));
  const step = async (i: number) => {
    await sae.trainForward(x, { deadMask });
    const grads = sae.backward();
    for (const n of names) adam(sae.params[n], grads[n], m[n], v[n], { lr: 1e-4, step: i + 1 });
    if (normalizeDecoder) sae.normalizeDecoder();
    for (const g of Object.values(grads)) g.dispose();
    sae.releaseStep();
  };
  const dispose = () => {
    for (const t of [...Object.values(m), ...Object.values(v)]) t.dispose();
  };
  return Object.assign(step, { dispose });
}

async function saeRow(device: Device, c: ArchCase, opts: { quick: boolean; steps: number }): Promise<TrainRow> {
  const rng = new Rng(7);
  const sae = Sae.create(device, { architecture: c.arch, d_in: D_IN, d_sae: D_SAE, k: K, l1_coefficient: 5, l0_coefficient: 1 }, 3);
  if (c.trainedSparsity) await sparsify(sae);
  const x = Tensor.from(device, [BATCH, D_IN], rng.normalArray(BATCH * D_IN), "bench batch");
  const step = stepper(sae, x, c.normalizeDecoder, c.deadQuarter);
  const warmup = 2;
  const reps = opts.quick ? 3 : 5;
  const t = await timeGpu(device, step, { warmup, reps });
  const created0 = device.memory().created;
  device.pool.resetPeak();
  await step(warmup + reps);
  await device.sync();
  const peakBytes = device.memory().peakBytes;
  for (let i = 0; i < opts.steps; i++) {
    await step(warmup + reps + 1 + i);
    if (i % 8 === 7) await device.sync();
  }
  await device.sync();
  const createdGrowth = device.memory().created - created0;
  step.dispose();
  sae.dispose();
  x.dispose();
  const ms = t.median;
  return {
    group: "train",
    name: caseName(c),
    shape: `d_in ${D_IN}, d_sae ${D_SAE}, batch ${BATCH}`,
    ms,
    reps,
    rate: (12 * BATCH * D_IN * D_SAE) / ms / 1e6, // dense-equivalent: 6 GEMMs of [batch, d_in, d_sae]
    unit: "GFLOP/s",
    cores: t.cores,
    tokensPerS: BATCH / (ms / 1000),
    peakBytes,
    createdGrowth,
    checkedSteps: opts.steps + 1,
    stepsMs: t.all,
    cpuMs: median(t.cpu),
    minMs: Math.min(...t.all),
  };
}

const CONTEXTS = 32;
const CTX = 128;
const HOOK = "blocks.1.hook_resid_pre";

/** One block's forward at CONTEXTS x CTX tokens: 24 d^2 per token in the projections, 4 CTX d in attention. */
function modelFlops(d: number): number {
  return CONTEXTS * CTX * (24 * d * d + 4 * CTX * d);
}

async function modelRow(device: Device, quick: boolean): Promise<TrainRow> {
  const model = await loadBundled();
  const rng = new Rng(5);
  const V = model.cfg.dVocab;
  const ids = new Int32Array(CONTEXTS * CTX).map(() => Math.floor(rng.next() * V));
  const batch = { ids, mask: new Int32Array(ids.length).fill(1), batch: CONTEXTS, pos: CTX };
  const reps = quick ? 3 : 7;
  // several warm-ups: the first runs compile a dozen pipelines
  const t = await timeGpu(
    device,
    async () => {
      const r = await model.runWithCache(batch, { names: [HOOK] });
      for (const a of Object.values(r.cache)) a.dispose();
      r.logits?.dispose();
    },
    { warmup: 4, reps },
  );
  const ms = t.median;
  return {
    group: "train",
    name: `model activations (${HOOK})`,
    shape: `bundled GPT-2 ${model.cfg.nLayers}x${model.cfg.dModel}, ${CONTEXTS} x ${CTX} tokens`,
    ms,
    reps,
    rate: modelFlops(model.cfg.dModel) / ms / 1e6,
    unit: "GFLOP/s",
    cores: t.cores,
    tokensPerS: (CONTEXTS * CTX) / (ms / 1000),
    stepsMs: t.all,
    cpuMs: median(t.cpu),
    minMs: Math.min(...t.all),
  };
}

/** PyTorch's times for the same rows, or why there are none ("missing", never invented). */
async function torchRows(rows: TrainRow[], cases: ArchCase[], quick: boolean): Promise<void> {
  const reps = quick ? 3 : 5;
  // PyTorch's step is dense whatever the sparsity (its cost does not depend on L0), so the L0 ~64 row is timed as
  // the same standard step under its own name
  const specs: Record<string, unknown>[] = cases.map((c) => ({
    name: caseName(c),
    kind: "sae",
    arch: c.arch,
    d_in: D_IN,
    d_sae: D_SAE,
    batch: BATCH,
    k: K,
    normalize_decoder: c.normalizeDecoder,
    dead_fraction: c.deadQuarter ? 0.25 : 0,
    warmup: 1,
    reps,
  }));
  for (const c of cases.filter((c) => c.arch === "topk" && !c.deadQuarter)) {
    specs.push({ name: `${caseName(c)} [sparse peer]`, kind: "sae_topk_sparse", d_in: D_IN, d_sae: D_SAE, batch: BATCH, k: K, normalize_decoder: true, warmup: 1, reps });
  }
  const model = await loadBundled();
  specs.push({
    name: `model activations (${HOOK})`,
    kind: "model",
    weights: join(import.meta.dir, "..", "packages/transformer/assets/tiny-shakespeare/model.safetensors"),
    n_embd: model.cfg.dModel,
    n_head: model.cfg.nHeads,
    layers: 1,
    contexts: CONTEXTS,
    ctx: CTX,
    warmup: 1,
    reps,
  });
  const reply = runPeer("torch_train_peer.py", { threads: 2, specs });
  if ("error" in reply) {
    for (const r of rows) r.torchNote = `missing (${reply.error})`;
    return;
  }
  for (const row of rows) {
    const sp = reply.results.find((p) => p.name === `${row.name} [sparse peer]`);
    if (sp?.ms !== undefined) row.sparsePeerMs = sp.ms;
    else if (sp) row.sparsePeerNote = `missing (${sp.error})`;
    const r = reply.results.find((p) => p.name === row.name);
    if (r?.ms !== undefined) {
      row.torchMs = r.ms;
      row.torchCpuMs = r.cpu_ms;
      row.torchTokensPerS = (row.tokensPerS * row.ms) / r.ms;
    } else row.torchNote = `missing (${r?.error ?? "not in the peer's reply"})`;
  }
}

function mib(b: number | undefined): string {
  return b === undefined ? "" : (b / 2 ** 20).toFixed(0);
}

/** The training table: tokens/s and ms/step, ours and both PyTorch peers', ratios (none from an untrusted peer), memory. */
export function printTrainTable(rows: TrainRow[]): string {
  const trusted = peerCheck().trusted;
  const head = ["name", "shape", "ms/step median (min)", "tokens/s", "torch dense ms", "dense/ours", "torch sparse ms", "sparse/ours", "cpu ms", "torch cpu ms", "peak MiB", "new buffers"];
  const fix = (x: number | undefined) => (x === undefined ? "" : x.toFixed(0));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "" : trusted ? (a / b).toFixed(2) : "(peer degraded)");
  const body = rows.map((r) => [
    r.name,
    r.shape,
    `${r.ms.toFixed(0)} (${fix(r.minMs)})`,
    r.tokensPerS.toFixed(0),
    r.torchMs === undefined ? (r.torchNote ?? "") : r.torchMs.toFixed(0),
    ratio(r.torchMs, r.ms),
    r.sparsePeerMs === undefined ? (r.sparsePeerNote ?? "") : r.sparsePeerMs.toFixed(0),
    ratio(r.sparsePeerMs, r.ms),
    fix(r.cpuMs),
    fix(r.torchCpuMs),
    mib(r.peakBytes),
    r.createdGrowth === undefined ? "" : `${r.createdGrowth} in ${r.checkedSteps} steps`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const text = ["### train", "", line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
  console.log(`${text}\n`);
  return text;
}

async function runAll(device: Device, o: { quick: boolean; final?: boolean; steps: number; archs?: string[] }): Promise<TrainRow[]> {
  const cases = CASES.filter((c) => (!o.archs || o.archs.includes(c.arch)) && (!o.final || c.final));
  const rows: TrainRow[] = [];
  for (const c of cases) {
    rows.push(await saeRow(device, c, o));
    console.error(`train: ${rows.at(-1)!.name} ${rows.at(-1)!.ms.toFixed(0)} ms/step`);
  }
  if (!o.archs || o.archs.includes("model")) rows.push(await modelRow(device, o.quick));
  await torchRows(rows, cases, o.quick);
  return rows;
}

export const group: BenchGroup = {
  name: "train",
  run: ({ device, quick, final }) => runAll(device, { quick, final, steps: quick || final ? 4 : 16 }),
  print: printTrainTable,
};

if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes("--quick");
  const steps = Number(flag("--steps") ?? (quick ? 4 : 16));
  const archs = flag("--arch")?.split(",");
  const device = await getDevice();
  console.log(`device: ${device.describe()}\n${peerCheck().line}`);
  const rows = await runAll(device, { quick, steps, archs });
  const table = printTrainTable(rows);
  const dir = join(import.meta.dir, "out");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "train.json");
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), device: device.describe(), table, rows }, null, 2));
  console.log(`wrote ${file}`);
  process.exit(0);
}
