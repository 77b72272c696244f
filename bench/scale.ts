// scale benchmark group (opt-in: `bun bench/run.ts scale`, or `bun bench/scale.ts [--quick]`): how an SAE training
// step grows with d_sae and k on the tensor core, past one storage binding, beside PyTorch doing the same step
// (bench/torch_scale_peer.py: SAELens 6.18's dense step, and for TopK the strong sparse one). Rows, d_in 768, batch
// 4096, Adam, fp32, the architecture's training defaults as `sae train` sets them (TopK/BatchTopK score and decode
// through ||W_dec[i]||, no renormalisation step, as SAELens trains): TopK k 32 at d_sae 8k, 32k, 131k; TopK at 32k
// with k 16, 64, 128; BatchTopK k 32 at 32k; standard at 6k, 12k, 24k (24k from the issue, the other two so its line
// has more than one point). Each row: the step's median ms, tokens/s, the step's peak device memory (the pool's live
// bytes, parameters and Adam state included), the path it took, and each peer's ms, ratio and peak memory (RSS above
// the peer's baseline, see the peer). Then the cost model, least squares, one line each: ms = a + b * d_sae per
// architecture at k 32, ms = a + c * k at d_sae 32k. BENCH_SMALL=1 divides d_in and every width by 16, batch by 4 and
// the binding limit by 64 (as much as a [batch, d_sae] tensor; 64 of its rows still fit one binding, which the
// ops' row blocks need), so each row takes the path it takes at full size; with --quick (one timed step each side)
// it checks the bench itself in ~30 CPU seconds (1-2 minutes' wall on the shared machine). Writes bench/out/scale.json.
// Not in the default or --final runs: the full rows take many minutes on lavapipe.
import { getDevice, numel, Rng, Tensor, type Device } from "@sae/tensor-core";
import { architecture, Sae, type ArchitectureName } from "@sae/core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, runPeer, timeGpu, type BenchGroup, type BenchRow, type PeerResult } from "./lib.ts";
import { peerCheck } from "./peer_check.ts";
import { stepper } from "./train.ts";

const SMALL = process.env.BENCH_SMALL === "1";
const DIV = SMALL ? 16 : 1;
const D_IN = 768 / DIV;
const BATCH = SMALL ? 1024 : 4096; // small: [batch, d_sae] is 1/64 of full size, and so is the binding limit
const K = 32;
const KS = [16, 32, 64, 128];
const K_AT = 32768 / DIV; // the d_sae of the k rows

interface Case {
  arch: ArchitectureName;
  dSae: number;
  k: number;
}

const CASES: Case[] = [
  ...[8192, 32768, 131072].map((d) => ({ arch: "topk" as const, dSae: d / DIV, k: K })),
  ...KS.filter((k) => k !== K).map((k) => ({ arch: "topk" as const, dSae: K_AT, k })),
  { arch: "batchtopk", dSae: K_AT, k: K },
  ...[6144, 12288, 24576].map((d) => ({ arch: "standard" as const, dSae: d / DIV, k: K })),
];

export interface ScaleRow extends BenchRow {
  arch: ArchitectureName;
  dSae: number;
  k: number;
  /** Which code path the step took (see pathOf). */
  path: string;
  peakBytes: number;
  /** peakBytes minus the live bytes before the step (parameters, Adam's moments, the batch): what the step adds. */
  stepBytes: number;
  cpuMs: number;
  /** PyTorch dense step (SAELens's): peak RSS above its baseline. */
  torchPeakBytes?: number;
  torchCpuMs?: number;
  /** The strong sparse TopK peer. */
  sparsePeerMs?: number;
  sparsePeerNote?: string;
  sparsePeakBytes?: number;
}

/** A reply of bench/torch_scale_peer.py: a PeerResult with the step's peak memory. */
type ScalePeerResult = PeerResult & { peak_bytes?: number };

const caseName = (c: Case) => `${c.arch}${c.arch === "standard" ? "" : ` k=${c.k}`} d_sae ${c.dSae}`;

/**
 * The path a row's step took. TopK and BatchTopK mirror selectsInBlocks (packages/sae/src/arch/topk/blocks.ts): row
 * blocks (encoder GEMM + selection per block, no dense [batch, d_sae]) when [batch, d_sae] is over one binding.
 * Standard makes the dense tensors, which the ops split over bindings when they are over one. Memory cross-checks
 * it: a step that added at least one [batch, d_sae] f32 tensor beyond the gradients (gradBytes, one per parameter)
 * held a dense one; a row whose memory disagrees with its label says so.
 */
function pathOf(device: Device, c: Case, stepBytes: number, gradBytes: number): string {
  const dense = BATCH * c.dSae * 4;
  const over = dense > device.maxBinding;
  const blocks = c.arch !== "standard" && over;
  const label = blocks ? "row blocks (encoder GEMM + selection per block)" : c.arch === "standard"
    ? `dense [batch, d_sae]${over ? ", split over bindings" : ""}`
    : "dense pre + selection";
  const held = stepBytes - gradBytes >= dense;
  return blocks === held ? `${label} (memory says otherwise)` : label;
}

async function row(device: Device, c: Case, quick: boolean): Promise<ScaleRow> {
  const fields = { architecture: c.arch, d_in: D_IN, d_sae: c.dSae, k: c.k, l1_coefficient: 5 };
  const sae = Sae.create(device, { ...fields, ...(architecture(c.arch).trainDefaults?.(c.dSae) ?? {}) }, 3);
  const x = Tensor.from(device, [BATCH, D_IN], new Rng(7).normalArray(BATCH * D_IN), "bench batch");
  const step = stepper(sae, x, false); // SAELens renormalises no decoder: TopK-family steps rescale by its norms
  device.pool.resetPeak();
  const before = device.memory().liveBytes;
  const t = await timeGpu(device, step, { warmup: 1, reps: quick ? 1 : 3 });
  const peakBytes = device.memory().peakBytes;
  const gradBytes = Object.values(sae.params).reduce((n, p) => n + numel(p.shape) * 4, 0);
  step.dispose(); // Adam's moments: before, they stayed live and every later row's peak MiB counted them
  sae.dispose();
  x.dispose();
  device.pool.trim();
  console.error(`scale: ${caseName(c)} ${t.median.toFixed(0)} ms/step`);
  return {
    group: "scale",
    name: caseName(c),
    shape: `d_in ${D_IN}, d_sae ${c.dSae}, batch ${BATCH}`,
    ms: t.median,
    reps: t.all.length,
    rate: BATCH / (t.median / 1000),
    unit: "tokens/s",
    cores: t.cores,
    cpuMs: median(t.cpu),
    arch: c.arch,
    dSae: c.dSae,
    k: c.k,
    path: pathOf(device, c, peakBytes - before, gradBytes),
    peakBytes,
    stepBytes: peakBytes - before,
  };
}

/** Both peers' times and memory for the rows: one peer process per row at full size (a row the OOM killer takes
 * loses only itself), one for all rows when small. A missing time says why; none is invented. */
function torchRows(rows: ScaleRow[], quick: boolean): void {
  const reps = quick ? 1 : 3;
  const specsOf = (r: ScaleRow) => {
    const base = { arch: r.arch, d_in: D_IN, d_sae: r.dSae, batch: BATCH, k: r.k, l1: 5, warmup: 1, reps };
    const dense = [{ ...base, name: r.name, kind: "dense" }];
    return r.arch === "topk" ? [...dense, { ...base, name: `${r.name} [sparse]`, kind: "sparse" }] : dense;
  };
  const groups = SMALL ? [rows] : rows.map((r) => [r]);
  for (const g of groups) {
    const reply = runPeer("torch_scale_peer.py", { threads: 2, specs: g.flatMap(specsOf) });
    for (const r of g) {
      if ("error" in reply) {
        r.torchNote = `missing (${reply.error})`;
        if (r.arch === "topk") r.sparsePeerNote = r.torchNote;
        continue;
      }
      const find = (n: string) => reply.results.find((p) => p.name === n) as ScalePeerResult | undefined;
      const d = find(r.name);
      if (d?.ms !== undefined) Object.assign(r, { torchMs: d.ms, torchCpuMs: d.cpu_ms, torchPeakBytes: d.peak_bytes });
      else r.torchNote = `missing (${d?.error ?? "not in the peer's reply"})`;
      if (r.arch !== "topk") continue;
      const s = find(`${r.name} [sparse]`);
      if (s?.ms !== undefined) Object.assign(r, { sparsePeerMs: s.ms, sparsePeakBytes: s.peak_bytes });
      else r.sparsePeerNote = `missing (${s?.error ?? "not in the peer's reply"})`;
    }
  }
}

export interface Fit {
  /** What was fitted, e.g. "topk k=32: ms = a + b * d_sae, ours". */
  what: string;
  x: "d_sae" | "k";
  a: number;
  b: number;
  points: number;
  /** Largest |fit - measured| / measured over the points. */
  maxRelErr: number;
}

/** Least squares y = a + b x; null with fewer than two distinct x. */
export function fitLine(xs: number[], ys: number[]): { a: number; b: number; maxRelErr: number } | null {
  const n = xs.length;
  if (n < 2 || new Set(xs).size < 2) return null;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  const maxRelErr = Math.max(...xs.map((x, i) => Math.abs(a + b * x - ys[i]) / ys[i]));
  return { a, b, maxRelErr };
}

const SIDES = [
  { who: "ours", ms: (r: ScaleRow) => r.ms },
  { who: "torch dense", ms: (r: ScaleRow) => r.torchMs },
  { who: "torch sparse", ms: (r: ScaleRow) => r.sparsePeerMs },
];

/** The cost model: per architecture ms = a + b * d_sae over its k = 32 rows; TopK's ms = a + c * k at d_sae K_AT. */
export function fits(rows: ScaleRow[]): Fit[] {
  const out: Fit[] = [];
  const add = (pts: ScaleRow[], x: Fit["x"], what: string) => {
    const xOf = (r: ScaleRow) => (x === "k" ? r.k : r.dSae);
    for (const s of SIDES) {
      const have = pts.filter((r) => s.ms(r) !== undefined);
      const f = fitLine(have.map(xOf), have.map((r) => s.ms(r) as number));
      if (f) out.push({ what: `${what}, ${s.who}`, x, ...f, points: have.length });
    }
  };
  for (const arch of [...new Set(rows.map((r) => r.arch))]) {
    const pts = rows.filter((r) => r.arch === arch && r.k === K);
    add(pts, "d_sae", `${arch}${arch === "standard" ? "" : ` k=${K}`}: ms = a + b * d_sae`);
  }
  add(rows.filter((r) => r.arch === "topk" && r.dSae === K_AT), "k", `topk d_sae ${K_AT}: ms = a + c * k`);
  return out;
}

function fitLineText(f: Fit): string {
  const perK = `c = ${f.b.toFixed(2)} ms per unit of k`;
  const slope = f.x === "k" ? perK : `b = ${(f.b * 1024).toFixed(2)} ms per 1,024 latents`;
  const worst = (100 * f.maxRelErr).toFixed(0);
  return `${f.what}: a = ${f.a.toFixed(0)} ms, ${slope} (${f.points} points, worst fit ${worst}%)`;
}

const mib = (b: number | undefined) => (b === undefined ? "" : (b / 2 ** 20).toFixed(0));
const fix = (x: number | undefined) => (x === undefined ? "" : x.toFixed(0));

function print(all: BenchRow[]): string {
  const rows = all as ScaleRow[];
  const peer = peerCheck();
  const ratio = (t: number | undefined, ours: number) =>
    t === undefined ? "" : peer.trusted ? (t / ours).toFixed(2) : "(peer degraded)";
  const head = ["name", "path", "ms (reps)", "tokens/s", "peak MiB", "step MiB", "[batch, d_sae] MiB", "cpu ms",
    "torch dense ms", "dense/ours", "dense peak MiB", "torch sparse ms", "sparse/ours", "sparse peak MiB"];
  const body = rows.map((r) => [
    r.name,
    r.path,
    `${r.ms.toFixed(0)} (${r.reps})`,
    r.rate.toFixed(0),
    mib(r.peakBytes),
    mib(r.stepBytes),
    mib(BATCH * r.dSae * 4),
    fix(r.cpuMs),
    r.torchMs === undefined ? (r.torchNote ?? "") : r.torchMs.toFixed(0),
    ratio(r.torchMs, r.ms),
    mib(r.torchPeakBytes),
    r.sparsePeerMs === undefined ? (r.sparsePeerNote ?? "") : r.sparsePeerMs.toFixed(0),
    ratio(r.sparsePeerMs, r.ms),
    mib(r.sparsePeakBytes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const shape = `d_in ${D_IN}, batch ${BATCH}, fp32, Adam${SMALL ? ` (BENCH_SMALL: binding limit / 64)` : ""}`;
  const text = [
    `### scale: training step by d_sae and k (${shape})`,
    peer.line,
    "",
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
    "",
    "peak MiB: ours = the pool's live bytes at the step's peak (step MiB: less what was live before it: parameters,",
    "Adam's moments, the batch); torch = peak RSS above the peer's baseline (not tensor bytes)",
    "ratios: torch ms / ours (above 1: we are faster)",
    "",
    "cost model (least squares):",
    ...fits(rows).map(fitLineText),
  ].join("\n");
  console.log(`${text}\n`);
  return text;
}

async function runAll(device: Device, quick: boolean): Promise<ScaleRow[]> {
  // small: the binding limit shrinks with [batch, d_sae] so each row takes its full-size path
  const dev = SMALL ? await getDevice({ maxBindingBytes: device.maxBinding / 64 }) : device;
  const rows: ScaleRow[] = [];
  for (const c of CASES) rows.push(await row(dev, c, quick));
  if (dev !== device) dev.destroy();
  torchRows(rows, quick);
  const dir = join(import.meta.dir, "out");
  mkdirSync(dir, { recursive: true });
  const peer = peerCheck().line;
  const header = { date: new Date().toISOString(), device: device.describe(), small: SMALL, quick, peer };
  writeFileSync(join(dir, "scale.json"), JSON.stringify({ ...header, fits: fits(rows), rows }, null, 2));
  return rows;
}

export const group: BenchGroup = {
  name: "scale",
  run: ({ device, quick }) => runAll(device, quick),
  print,
};

if (import.meta.main) {
  const device = await getDevice();
  console.log(`device: ${device.describe()}`);
  print(await runAll(device, process.argv.includes("--quick")));
  process.exit(0);
}
