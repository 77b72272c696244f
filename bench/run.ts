// `bun run bench` / `bun bench/run.ts [group ...] [--quick]`: runs benchmark groups, prints a table per group and
// writes bench/out/results.json. A group is a module exporting `group: BenchGroup` (see lib.ts); add one line below.
import { getDevice } from "@sae/tensor-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { printTable, type BenchGroup, type BenchRow } from "./lib.ts";

const GROUPS = {
  matmul: () => import("./matmul.ts"),
  nn: () => import("./nn.ts"),
  sae_kernels: () => import("./sae_kernels.ts"),
  train: () => import("./train.ts"),
} satisfies Record<string, () => Promise<{ group: BenchGroup }>>;

type GroupName = keyof typeof GROUPS;

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const asked = args.filter((a) => !a.startsWith("--"));
const unknown = asked.filter((a) => !(a in GROUPS));
if (unknown.length > 0) {
  console.error(`bench: unknown group(s) ${unknown.join(", ")}; known: ${Object.keys(GROUPS).join(", ")}`);
  process.exit(2);
}
const names = (asked.length > 0 ? asked : Object.keys(GROUPS)) as GroupName[];

const device = await getDevice();
const header = {
  date: new Date().toISOString(),
  device: device.describe(),
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}`,
  loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
  env: { LP_NUM_THREADS: process.env.LP_NUM_THREADS ?? "(default)", LP_NATIVE_VECTOR_WIDTH: process.env.LP_NATIVE_VECTOR_WIDTH ?? "(default)" },
};
console.log(`device: ${header.device}\ncpu: ${header.cpu}; load average before: ${header.loadavg}\n`);

const all: BenchRow[] = [];
for (const name of names) {
  const { group } = await GROUPS[name]();
  const rows = await group.run({ device, quick });
  printTable(group.name, rows);
  all.push(...rows);
}
const dir = join(import.meta.dir, "out");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "results.json"), JSON.stringify({ ...header, loadavgAfter: loadavg().map((x) => x.toFixed(2)).join(" "), rows: all }, null, 2));
console.log(`wrote ${join(dir, "results.json")}`);
