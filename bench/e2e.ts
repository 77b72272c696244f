// e2e benchmark group: `sae train` as a user runs it (the CLI's defaults: TopK, bundled tiny-Shakespeare GPT-2,
// blocks.1.hook_resid_pre, d_sae 512, k 16, batch 2048), tokens/s including activation generation, beside the
// same pipeline in PyTorch (bench/torch_train_peer.py e2e: the bundled GPT-2 re-implemented on its safetensors,
// forwards to the hook, then one TopK step per batch; with the dense SAELens-like step and with the strong sparse
// one) in the same run. Also: the model and SAE rates the progress line shows, and how fast an activation cache file
// reads back (GPT-2-small-sized rows, 1024 x 768 f32 per block; GB/s beside plain reads of the same file).
// Run alone: `bun bench/e2e.ts [--quick]`; or through bench/run.ts.
import { getDevice, Rng, type Device } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
import { resolveConfig, type Rates } from "@sae/train";
import { ActivationCacheReader, ActivationCacheWriter, trainSae } from "@sae/train/node";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gbps, median, runPeer, type BenchGroup, type BenchRow } from "./lib.ts";
import { peerCheck } from "./peer_check.ts";

export interface E2eRow extends BenchRow {
  tokensPerS?: number;
  /** Median over the progress windows after the first (which holds start-up). */
  modelTokensPerS?: number;
  saeTokensPerS?: number;
  waitFraction?: number;
  torchTokensPerS?: number;
  torchSparseTokensPerS?: number;
}

/** Our side: one `sae train` run; tokens/s between the first and last metrics readback (no load, compile, eval). */
async function ours(device: Device, tokens: number, dir: string, prefetch: boolean): Promise<E2eRow> {
  const cfg = resolveConfig({ training_tokens: tokens, checkpoint_path: dir, run_name: `e2e-${prefetch}`, html_report: false, n_eval_batches: 1 });
  const marks: { t: number; tokens: number; rates: Rates }[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await trainSae(cfg, { device, prefetch, onMetrics: (m, _total, rates) => marks.push({ t: performance.now(), tokens: m.tokens, rates }) });
  const used = process.cpuUsage(c0);
  const first = marks[0];
  const last = marks.at(-1)!;
  const ms = last.t - first.t;
  const steady = marks.slice(1);
  const row: E2eRow = {
    group: "e2e",
    name: `sae train (CLI defaults), model + SAE${prefetch ? "" : ", store prefetch off"}`,
    shape: `bundled GPT-2 to ${cfg.hook_name}, d_sae ${cfg.d_sae ?? `${cfg.expansion_factor} x d_in`}, k ${cfg.k}, batch ${cfg.train_batch_size_tokens}, context ${cfg.context_size} x ${cfg.store_batch_size_prompts} prompts`,
    ms: (ms * cfg.train_batch_size_tokens) / (last.tokens - first.tokens),
    reps: marks.length - 1,
    rate: ((last.tokens - first.tokens) * 1000) / ms,
    unit: "tokens/s",
    cores: (used.user + used.system) / 1000 / (performance.now() - t0),
    tokensPerS: ((last.tokens - first.tokens) * 1000) / ms,
    modelTokensPerS: median(steady.map((m) => m.rates.modelTokensPerS)),
    saeTokensPerS: median(steady.map((m) => m.rates.saeTokensPerS)),
    waitFraction: median(steady.map((m) => m.rates.waitFraction)),
  };
  return row;
}

/** A cache file of `blocks` blocks of 1024 x 768 f32 rows (random: the writer stores every block raw anyway). */
function writeCache(path: string, blocks: number): void {
  const rng = new Rng(3);
  const w = new ActivationCacheWriter(path, { model_name: "bench", hook_name: "h", d_in: 768, context_size: 128, dtype: "f32", prepend_bos: true, dataset_path: "bench" });
  const rows = rng.normalArray(1024 * 768);
  for (let b = 0; b < blocks; b++) w.append(rows, 1024);
  w.finish();
}

/** Reads the whole cache file through ActivationCacheReader, then with plain 4 MiB reads: GB/s of file bytes. */
function cacheRows(path: string, reps: number): E2eRow[] {
  const bytes = statSync(path).size;
  const viaReader = () => {
    const r = new ActivationCacheReader(path);
    let rows = 0;
    const t0 = performance.now();
    while (!r.atEnd) rows += r.nextBlock().rows;
    const ms = performance.now() - t0;
    r.close();
    return { ms, rows };
  };
  const plain = () => {
    const fd = openSync(path, "r");
    const buf = new Uint8Array(4 << 20);
    const t0 = performance.now();
    for (let at = 0; at < bytes; at += buf.length) readSync(fd, buf, 0, buf.length, at);
    const ms = performance.now() - t0;
    closeSync(fd);
    return ms;
  };
  viaReader();
  const reader = Array.from({ length: reps }, viaReader);
  const raw = Array.from({ length: reps }, plain);
  const readerMs = median(reader.map((x) => x.ms));
  const plainMs = median(raw);
  const d = new ActivationCacheReader(path);
  const shape = `${reader[0].rows} rows x ${d.header.d_in} ${d.header.dtype}, ${(bytes / 2 ** 20).toFixed(1)} MiB file`;
  d.close();
  const base = { group: "e2e", shape, reps, unit: "GB/s" as const, cores: 1 };
  return [
    { ...base, name: "activation cache read (ActivationCacheReader)", ms: readerMs, rate: gbps(bytes, readerMs) },
    { ...base, name: "same file, plain 4 MiB reads (page cache)", ms: plainMs, rate: gbps(bytes, plainMs) },
  ];
}

/** PyTorch's pipeline, dense and sparse SAE step, ms per training batch. */
async function torchSide(row: E2eRow, quick: boolean): Promise<void> {
  const model = await loadBundled();
  const cfg = resolveConfig({});
  const d = model.cfg.dModel;
  const base = {
    kind: "e2e",
    weights: join(import.meta.dir, "..", "packages/transformer/assets/tiny-shakespeare/model.safetensors"),
    n_embd: d,
    n_head: model.cfg.nHeads,
    layers: cfg.hook_layer,
    contexts: cfg.store_batch_size_prompts,
    ctx: cfg.context_size,
    d_sae: d * cfg.expansion_factor,
    batch: cfg.train_batch_size_tokens,
    k: cfg.k,
    warmup: 2,
    reps: quick ? 5 : 15,
  };
  const reply = runPeer("torch_train_peer.py", { threads: 2, specs: [{ ...base, name: "dense" }, { ...base, name: "sparse", sae_peer: "sparse" }] });
  if ("error" in reply) {
    row.torchNote = `missing (${reply.error})`;
    return;
  }
  const perS = (name: string) => {
    const r = reply.results.find((x) => x.name === name);
    return r?.ms !== undefined ? (cfg.train_batch_size_tokens * 1000) / r.ms : undefined;
  };
  row.torchTokensPerS = perS("dense");
  row.torchSparseTokensPerS = perS("sparse");
  if (row.torchTokensPerS !== undefined) row.torchMs = (cfg.train_batch_size_tokens * 1000) / row.torchTokensPerS;
  const err = reply.results.find((x) => x.error);
  if (err) row.torchNote = `${err.name}: ${err.error}`;
}

export function printE2eTable(rows: BenchRow[]): string {
  const trusted = peerCheck().trusted;
  const fix = (x: number | undefined) => (x === undefined ? "" : x.toFixed(0));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "" : trusted ? (b / a).toFixed(2) : "(peer degraded)");
  const lines = ["### e2e", ""];
  for (const r of rows as E2eRow[]) {
    if (r.unit !== "tokens/s") {
      lines.push(`- ${r.name} (${r.shape}): ${r.rate.toFixed(2)} GB/s (${r.ms.toFixed(1)} ms, median of ${r.reps})`);
      continue;
    }
    lines.push(
      `- ${r.name} (${r.shape}): **${fix(r.tokensPerS)} tokens/s** over ${r.reps} metric windows; progress line median: model ${fix(r.modelTokensPerS)} tok/s, SAE ${fix(r.saeTokensPerS)} tok/s, waiting for activations ${((r.waitFraction ?? 0) * 100).toFixed(0)}% of the time; cores ${r.cores.toFixed(2)}`,
    );
    if (r.torchTokensPerS === undefined && r.torchSparseTokensPerS === undefined && !r.torchNote) continue;
    lines.push(
      `- PyTorch pipeline, same run: dense SAELens-like step ${fix(r.torchTokensPerS)} tokens/s (ours / it: ${ratio(r.torchTokensPerS, r.tokensPerS)}), strong sparse step ${fix(r.torchSparseTokensPerS)} tokens/s (ours / it: ${ratio(r.torchSparseTokensPerS, r.tokensPerS)})${r.torchNote ? `; ${r.torchNote}` : ""}`,
    );
  }
  const text = lines.join("\n");
  console.log(`${text}\n`);
  return text;
}

async function runAll(device: Device, quick: boolean): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "sae-bench-e2e-"));
  try {
    const small = process.env.BENCH_SMALL === "1";
    const tokens = small ? 81_920 : quick ? 40_960 : 204_800;
    const row = await ours(device, tokens, dir, true);
    const off = await ours(device, tokens, dir, false);
    await torchSide(row, quick);
    const cache = join(dir, "acts.sae-acts");
    writeCache(cache, small ? 4 : quick ? 16 : 64);
    return [row, off, ...cacheRows(cache, quick ? 3 : 5)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const group: BenchGroup = {
  name: "e2e",
  run: ({ device, quick }) => runAll(device, quick),
  print: printE2eTable,
};

if (import.meta.main) {
  const device = await getDevice();
  console.log(`device: ${device.describe()}\n${peerCheck().line}\n`);
  printE2eTable(await runAll(device, process.argv.includes("--quick")));
  process.exit(0);
}
