// Loopback load test of the SAE server: 50 concurrent clients send a fixed number of /v1/encode and /v1/steer
// requests to `createApp` served by Bun on 127.0.0.1, then the run stops by itself. Every response is compared
// with the response to the same request sent sequentially beforehand (same seed => same text), so a lost,
// failed or corrupted (e.g. interleaved) request is counted. Prints requests/s and p50/p99 latency per route.
//   bun bench/load_server.ts [--fake] [--clients 50] [--requests 200] [--sae <dir>] [--max-new-tokens 8]
// Default model: the bundled tiny Shakespeare GPT-2 with the SAE in --sae, else the newest under ./checkpoints,
// else a random-init TopK SAE (d_sae 1024, k 16) on blocks.1.hook_resid_pre; --fake uses @sae/core's tiny CPU fakes (measures the HTTP/queue overhead only).
import { type AnalysisModel, type AnalysisSae } from "@sae/core";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { parseFlags, type FlagSpec } from "@sae/train";
import { createApp, listen } from "../packages/server/src/index.ts";
import { loadAnalysisPair } from "../packages/server/src/load_pair.ts";

interface Flags {
  fake: boolean;
  clients: number;
  requests: number;
  sae?: string;
  maxNewTokens: number;
}

const FLAGS = {
  fake: { kind: "bool", default: false, help: "@sae/core's tiny CPU fakes" },
  clients: { kind: "count", default: 50, help: "concurrent clients" },
  requests: { kind: "count", default: 200, help: "requests in all" },
  sae: { kind: "string", help: "SAE checkpoint folder" },
  "max-new-tokens": { kind: "count", default: 8, help: "max_new_tokens of each steer request" },
} satisfies Record<string, FlagSpec>;

/** Through @sae/train's parseFlags, the one flag parser of the CLI. */
function flagsOf(argv: string[]): Flags {
  const { extra: f, positional } = parseFlags(argv, FLAGS, false);
  if (positional.length) throw new Error(`unexpected argument ${positional[0]}`);
  const n = (v: unknown) => v as number;
  const sae = f.sae as string | undefined;
  return { fake: f.fake === true, clients: n(f.clients), requests: n(f.requests), sae, maxNewTokens: n(f["max-new-tokens"]) };
}

interface Req {
  route: "/v1/encode" | "/v1/steer";
  body: Record<string, unknown>;
}

const PROMPTS = ["the cat sat on the mat", "a big red house", "the dog ran to the house", "and the cat ran", "to be or not to be", "the king is dead"];

function requests(n: number, d_sae: number, maxNewTokens: number): Req[] {
  const out: Req[] = [];
  for (let i = 0; i < n; i++) {
    const prompt = PROMPTS[i % PROMPTS.length];
    if (i % 2 === 0) out.push({ route: "/v1/encode", body: { text: prompt, top: 1 + (i % 5) } });
    else out.push({ route: "/v1/steer", body: { prompt, features: [{ index: (i * 7) % d_sae, strength: 2 + (i % 9) }], max_new_tokens: maxNewTokens, temperature: 0.8, seed: i } });
  }
  return out;
}

async function send(url: string, r: Req): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url + r.route, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(r.body) });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function main(): Promise<void> {
  const flags = flagsOf(Bun.argv.slice(2));
  const device = await getDevice();
  let model: AnalysisModel;
  let sae: AnalysisSae;
  let label: string;
  if (flags.fake) {
    model = new FakeModel(device);
    sae = new FakeSae(device, { d_sae: 64 });
    label = "fake CPU model + SAE";
  } else {
    const pair = await loadAnalysisPair({ model: "bundled", sae: flags.sae, device, randomSae: { hook_name: "blocks.1.hook_resid_pre", expansion: 8, k: 16 } });
    model = pair.model;
    sae = pair.sae;
    label = `${model.name}, ${pair.saeLabel}`;
  }
  const app = createApp({ model, sae, limits: { maxQueue: flags.clients + 1, maxNewTokens: Math.max(64, flags.maxNewTokens) } });
  const server = await listen(app, { port: 0 });
  try {
    const reqs = requests(flags.requests, sae.cfg.d_sae, flags.maxNewTokens);
    // Sequential reference run (one request at a time, same server).
    const want: string[] = [];
    const seqLat: Record<string, number[]> = { "/v1/encode": [], "/v1/steer": [] };
    for (const r of reqs) {
      const res = await send(server.url, r);
      if (res.status !== 200) throw new Error(`sequential ${r.route} answered ${res.status}: ${res.text}`);
      want.push(res.text);
      seqLat[r.route].push(res.ms);
    }
    // Concurrent run: `clients` workers pull from one shared list until it is empty.
    const lat: Record<string, number[]> = { "/v1/encode": [], "/v1/steer": [] };
    const bad: Record<string, { failed: number; corrupted: number }> = { "/v1/encode": { failed: 0, corrupted: 0 }, "/v1/steer": { failed: 0, corrupted: 0 } };
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: flags.clients }, async () => {
        while (next < reqs.length) {
          const i = next++;
          const r = reqs[i];
          try {
            const res = await send(server.url, r);
            lat[r.route].push(res.ms);
            if (res.status !== 200) bad[r.route].failed++;
            else if (res.text !== want[i]) bad[r.route].corrupted++;
          } catch {
            bad[r.route].failed++;
          }
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    console.log(`load_server: ${label}; ${flags.clients} concurrent clients, ${reqs.length} requests, device ${device.describe()}`);
    console.log(`total wall ${wall.toFixed(2)} s, ${(reqs.length / wall).toFixed(1)} requests/s overall (one GPU queue: requests run one at a time)`);
    console.log("route        | requests | ok  | failed | corrupted | p50 ms  | p99 ms  | served/s | sequential p50 ms");
    let lost = 0;
    for (const route of ["/v1/encode", "/v1/steer"] as const) {
      const l = [...lat[route]].sort((a, b) => a - b);
      const n = reqs.filter((r) => r.route === route).length;
      const ok = l.length - bad[route].failed - bad[route].corrupted;
      lost += n - ok;
      console.log(
        `${route.padEnd(12)} | ${String(n).padStart(8)} | ${String(ok).padStart(3)} | ${String(bad[route].failed).padStart(6)} | ${String(bad[route].corrupted).padStart(9)} | ` +
          `${pct(l, 50).toFixed(1).padStart(7)} | ${pct(l, 99).toFixed(1).padStart(7)} | ${(n / wall).toFixed(1).padStart(8)} | ` +
          `${pct([...seqLat[route]].sort((a, b) => a - b), 50).toFixed(1).padStart(17)}`,
      );
    }
    console.log(lost === 0 ? "every response matched the sequential run" : `${lost} requests lost, failed or corrupted`);
    if (lost) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
