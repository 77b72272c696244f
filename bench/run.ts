// `bun run bench` / `bun bench/run.ts [group ...] [--quick] [--final] [--small]`: runs benchmark groups, prints a table per
// group and writes bench/out/results.json. The header names the CPU and the PyTorch peer's own GEMM rate and BLAS
// (bench/peer_check.ts); no ratio is claimed from a peer that fails that check. `--final` runs only the rows
// bench/RESULTS.md reports (peer GEMM both ways, x @ W_enc, TopK vs both peers, TopK with dead latents, standard
// sparse, model activations, end to end, the TopK step's op-by-op profile): about 10 minutes on a quiet 2-core machine.
// `scale` (opt-in, bench/scale.ts) also writes bench/out/scale.json with its cost-model fits; `scale --quick --small`
// checks it in ~30 CPU seconds.
// A group is a module exporting `group: BenchGroup` (see lib.ts); add one line below.
import { getDevice } from "@sae/tensor-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { printTable, type BenchGroup, type BenchRow } from "./lib.ts";
import { checkPeer, peerCheck } from "./peer_check.ts";

const GROUPS = {
  matmul: () => import("./matmul.ts"),
  nn: () => import("./nn.ts"),
  sae_kernels: () => import("./sae_kernels.ts"),
  train: () => import("./train.ts"),
  e2e: () => import("./e2e.ts"),
  profile: () => import("./profile_topk.ts"),
  models: () => import("./models.ts"),
  scale: () => import("./scale.ts"),
} satisfies Record<string, () => Promise<{ group: BenchGroup }>>;

type GroupName = keyof typeof GROUPS;
const FINAL: GroupName[] = ["matmul", "train", "e2e", "profile"];
const OPT_IN: GroupName[] = ["scale"]; // run only when named

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const final = args.includes("--final");
if (args.includes("--small")) process.env.BENCH_SMALL = "1"; // small shapes (train, matmul --final, e2e, scale): checks the bench
const asked = args.filter((a) => !a.startsWith("--"));
const unknown = asked.filter((a) => !(a in GROUPS));
if (unknown.length > 0) {
  console.error(`bench: unknown group(s) ${unknown.join(", ")}; known: ${Object.keys(GROUPS).join(", ")}`);
  process.exit(2);
}
const byDefault = (Object.keys(GROUPS) as GroupName[]).filter((g) => !OPT_IN.includes(g));
const names = (asked.length > 0 ? asked : final ? FINAL : byDefault) as GroupName[];

const device = await getDevice();
const peer = peerCheck();
// what the machine's own OPENBLAS_* settings would have given the peer (measured once, not used for ratios)
const asSet = process.env.OPENBLAS_CORETYPE || process.env.OPENBLAS_L2_SIZE ? withEnvKept(() => checkPeer(2)) : undefined;
const header = {
  date: new Date().toISOString(),
  device: device.describe(),
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}`,
  loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
  peer: peer.line,
  peerAsSet: asSet?.line,
  peerBlas: peer.blas,
  env: { LP_NUM_THREADS: process.env.LP_NUM_THREADS ?? "(default)", LP_NATIVE_VECTOR_WIDTH: process.env.LP_NATIVE_VECTOR_WIDTH ?? "(default)" },
};
console.log(`device: ${header.device}\ncpu: ${header.cpu}; load average before: ${header.loadavg}\n${peer.line}`);
if (asSet) console.log(`(with this shell's OPENBLAS_* kept: ${asSet.line.replace("peer GEMM: ", "")})`);
console.log("");

function withEnvKept<T>(fn: () => T): T {
  const before = process.env.BENCH_PEER_ENV;
  process.env.BENCH_PEER_ENV = "keep";
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.BENCH_PEER_ENV;
    else process.env.BENCH_PEER_ENV = before;
  }
}

const all: BenchRow[] = [];
for (const name of names) {
  const { group } = await GROUPS[name]();
  const rows = await group.run({ device, quick, final });
  if (group.print) group.print(rows);
  else printTable(group.name, rows, peer.trusted);
  all.push(...rows);
}
const dir = join(import.meta.dir, "out");
mkdirSync(dir, { recursive: true });
const file = join(dir, final ? "final.json" : "results.json");
writeFileSync(file, JSON.stringify({ ...header, loadavgAfter: loadavg().map((x) => x.toFixed(2)).join(" "), rows: all }, null, 2));
console.log(`wrote ${file}`);
process.exit(0);
