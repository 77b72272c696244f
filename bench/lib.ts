// Benchmark helpers every group uses: timing a GPU op (warm-up, then the median of synced runs), timing the CPU
// reference, rates, the PyTorch peer (bench/torch_peer.py, run as a subprocess with a JSON spec), and the table.
// A group is a module exporting `group: BenchGroup`; bench/run.ts lists them. Not a test: nothing here asserts.
import type { Device } from "@sae/tensor-core";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** One measured line of a table. Rates are GFLOP/s for compute-bound ops, GB/s for memory-bound ones, tokens/s for
 * whole pipelines (bench/e2e.ts). */
export interface BenchRow {
  group: string;
  name: string;
  shape: string;
  /** Median wall time of one call, synced. */
  ms: number;
  reps: number;
  rate: number;
  unit: "GFLOP/s" | "GB/s" | "tokens/s";
  /** CPU seconds this process used per wall second while timing: ~2 means both cores were ours. */
  cores: number;
  /** The CPU reference's time for the same call (scaled from a slice when `refNote` says so). */
  refMs?: number;
  refNote?: string;
  /** PyTorch's median time, or why there is none. */
  torchMs?: number;
  torchNote?: string;
}

export interface BenchContext {
  device: Device;
  /** Fewer repetitions and shapes (set by --quick). */
  quick: boolean;
  /** Only the rows of the short final run (set by --final; see bench/RESULTS.md). */
  final?: boolean;
}

export interface BenchGroup {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
  /** The group's own table (default printTable). */
  print?(rows: BenchRow[]): string;
}

export interface Timing {
  median: number;
  min: number;
  all: number[];
  /** CPU ms this process used per call (llvmpipe's workers included). */
  cpu: number[];
  cores: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `record` (which records GPU work) from recording to completion, after warm-up calls (the first compiles
 * pipelines). Waiting in device.sync() would spin one core (Dawn polls mapAsync with setImmediate), which on a
 * 2-core machine takes a third of the CPU from llvmpipe's workers; the Device itself sleeps through most of the
 * expected wait first (learned from earlier compile-free waits of the same recorded work), so this only syncs. Its
 * own sleep before sync was dropped: it started from the warm-up's compile time and shrank by 15% per call, so
 * short ops (colSum, add) were timed asleep.
 */
export async function timeGpu(device: Device, record: (call: number) => unknown, opts: { reps?: number; warmup?: number } = {}): Promise<Timing> {
  const { reps = 5, warmup = 2 } = opts;
  for (let i = 0; i < warmup; i++) {
    await record(i);
    await device.sync();
  }
  const all: number[] = [];
  const cpu: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await record(warmup + i);
    await device.sync();
    all.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const used = process.cpuUsage(cpu0);
  const cores = (used.user + used.system) / 1000 / (performance.now() - wall0);
  return { median: median(all), min: Math.min(...all), all, cpu, cores };
}

/** Times a synchronous CPU function (median of reps). */
export function timeCpu(fn: () => void, reps = 1): number {
  const all: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    all.push(performance.now() - t0);
  }
  return median(all);
}

export function gflops(flops: number, ms: number): number {
  return flops / ms / 1e6;
}

export function gbps(bytes: number, ms: number): number {
  return bytes / ms / 1e6;
}

export interface TorchSpec {
  name: string;
  /** What torch_peer.py runs: see its OPS table. */
  op: string;
  [field: string]: unknown;
}

export type TorchResult = { ms: number } | { missing: string };

const PYTHON = "/usr/bin/python3";

/** One spec's reply from a PyTorch peer (bench/peer.py): a time, or why there is none. */
export interface PeerResult {
  name: string;
  ms?: number;
  cpu_ms?: number;
  error?: string;
}

/**
 * The environment a PyTorch peer runs in: ours without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (both together), which
 * some machines of this kind set and which make OpenBLAS run an older, slower kernel (bench/RESULTS.md has the
 * numbers). `BENCH_PEER_ENV=keep` keeps them, to measure what they do.
 */
export function peerEnv(): NodeJS.ProcessEnv {
  if (process.env.BENCH_PEER_ENV === "keep") return process.env;
  const { OPENBLAS_CORETYPE: _c, OPENBLAS_L2_SIZE: _l, ...rest } = process.env;
  return rest;
}

/** Runs a PyTorch peer script in bench/ with a JSON request: its per-spec results (and probe), or why there are none. */
export function runPeer(script: string, request: object): { results: PeerResult[]; probe?: unknown } | { error: string } {
  if (!existsSync(PYTHON)) return { error: `${PYTHON} not found` };
  const input = JSON.stringify(request);
  const res = spawnSync(PYTHON, [join(import.meta.dir, script)], { input, encoding: "utf8", maxBuffer: 1 << 26, env: peerEnv() });
  if (res.status !== 0) return { error: `${script} exited ${res.status}: ${(res.stderr || "").trim().split("\n").pop()}` };
  const reply = JSON.parse(res.stdout) as { error?: string; results?: PeerResult[]; probe?: unknown };
  return reply.error ? { error: reply.error } : { results: reply.results ?? [], probe: reply.probe };
}

/** Runs bench/torch_peer.py once for many specs (2 threads). Every spec gets a time or the reason it has none. */
export function torchPeer(specs: TorchSpec[], reps: number): Map<string, TorchResult> {
  const out = new Map<string, TorchResult>();
  if (specs.length === 0) return out;
  const reply = runPeer("torch_peer.py", { threads: 2, reps, specs });
  if ("error" in reply) {
    for (const s of specs) out.set(s.name, { missing: reply.error });
    return out;
  }
  for (const r of reply.results) out.set(r.name, r.ms !== undefined ? { ms: r.ms } : { missing: r.error ?? "no result" });
  for (const s of specs) if (!out.has(s.name)) out.set(s.name, { missing: "not in torch_peer.py's reply" });
  return out;
}

/** Fills torchMs/torchNote of rows from a torchPeer() answer keyed by row name. */
export function attachTorch(rows: BenchRow[], results: Map<string, TorchResult>): void {
  for (const row of rows) {
    const r = results.get(row.name);
    if (!r) continue;
    if ("ms" in r) row.torchMs = r.ms;
    else row.torchNote = `missing (${r.missing})`;
  }
}

function num(x: number | undefined, digits = 1): string {
  if (x === undefined) return "";
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

/**
 * Prints one table per group: ratios are reference / ours and torch / ours (above 1: we are faster; no torch ratio
 * when the peer failed its check, bench/peer_check.ts). `cores` is
 * the CPU this process got while timing (2 = both cores of this machine); rate/core divides it out, which keeps
 * runs on a shared machine comparable.
 */
export function printTable(title: string, rows: BenchRow[], peerTrusted = true): string {
  const head = ["name", "shape", "ms (median)", "rate", "cores", "rate/core", "ref ms", "ref/ours", "torch ms", "torch/ours"];
  const body = rows.map((r) => [
    r.name,
    r.shape,
    `${num(r.ms)} (${r.reps})`,
    `${num(r.rate)} ${r.unit}`,
    r.cores.toFixed(2),
    num(r.rate / Math.max(r.cores, 0.01)),
    r.refMs === undefined ? "" : `${num(r.refMs)}${r.refNote ? "*" : ""}`,
    r.refMs === undefined ? "" : (r.refMs / r.ms).toFixed(1),
    r.torchMs === undefined ? (r.torchNote ?? "") : num(r.torchMs),
    r.torchMs === undefined ? "" : peerTrusted ? (r.torchMs / r.ms).toFixed(2) : "(peer degraded)",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const notes = [...new Set(rows.map((r) => r.refNote).filter((n): n is string => !!n))].map((n) => `* ${n}`);
  const text = [`### ${title}`, "", line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line), "", ...notes].join("\n");
  console.log(`${text}\n`);
  return text;
}
