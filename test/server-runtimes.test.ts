// The server outside Bun: test/server_runtimes/serve_fake.ts is bundled to plain JavaScript (WGSL and page.html
// inlined, no TypeScript left) and started with `node` and with npm's `deno`; each must pick its own listener
// (node:http via @hono/node-server, Deno.serve), answer GET /health, and return the same /v1/encode and /api/steer
// results as the same app driven in-process through app.request() under Bun; a client that disconnects while its
// generation runs must fire the request's signal there too (/health: queue.cancelled). Fails (never skips) when a
// runtime is missing.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_HOOK, FakeModel, FakeSae } from "@sae/core/testing";
import { createApp } from "@sae/server";
import { getDevice } from "@sae/tensor-core";

const ROOT = join(import.meta.dir, "..");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const tmp = mkdtempSync(join(tmpdir(), "sae-server-rt-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Dawn's bindings (npm webgpu) stay external: the bundle finds them through a node_modules beside it.
mkdirSync(join(tmp, "node_modules"));
symlinkSync(realpathSync(join(ROOT, "packages", "tensor-core", "node_modules", "webgpu")), join(tmp, "node_modules", "webgpu"));
const built = await Bun.build({
  entrypoints: [join(import.meta.dir, "server_runtimes", "serve_fake.ts")],
  outdir: tmp,
  target: "node",
  format: "esm",
  conditions: ["bun"],
  external: ["webgpu"],
});
if (!built.success) throw new AggregateError(built.logs, "bundling serve_fake.ts failed");
const bundle = join(tmp, "serve_fake.js");

// The same pair in-process: the reference answers.
const device = await getDevice();
const app = createApp({
  model: new FakeModel(device, { seed: 51 }),
  sae: new FakeSae(device, { seed: 52, d_sae: 12, neuronpedia_id: "gpt2-small/8-res-jb" }),
});
const encodeBody = { text: "the cat sat", top: 3 };
const npBody = {
  prompt: "the dog",
  modelId: "gpt2-small",
  features: [{ modelId: "gpt2-small", layer: "8-res-jb", index: 5, strength: 4 }],
  temperature: 0.7,
  n_tokens: 5,
  freq_penalty: 0.5,
  seed: 9,
  strength_multiplier: 2,
};
const post = (body: unknown) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

type Served = { health: any; encode: unknown; steer: unknown; runtime: string; gone: any; after: any; stderr: string };
async function serveWith(cmd: string[]): Promise<Served> {
  const env = { ...process.env, NO_COLOR: "1", SAE_FAKE_PASS_MS: "8" };
  const p = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "pipe", env });
  const timer = setTimeout(() => p.kill(), 120_000);
  try {
    const reader = p.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${cmd[0]} exited before listening: ${await new Response(p.stderr).text()}`);
      out += new TextDecoder().decode(value);
    }
    const { url, runtime } = JSON.parse(out.split("\n")[0]) as { url: string; runtime: string };
    const health = await (await fetch(`${url}/health`)).json();
    const encode = await (await fetch(`${url}/v1/encode`, post(encodeBody))).json();
    const steer = await (await fetch(`${url}/api/steer`, post(npBody))).json();
    // #19: a client that goes away mid-generation (60 tokens x 8 ms x 2) stops the run: does the runtime's
    // listener fire the request's signal? /health then counts it cancelled, and the next request is served.
    const ctrl = new AbortController();
    const long = { ...post({ prompt: "the cat", features: [{ index: 1, strength: 2 }], max_new_tokens: 60 }) };
    const done = fetch(`${url}/v1/steer`, { ...long, signal: ctrl.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    ctrl.abort();
    await done;
    await new Promise((r) => setTimeout(r, 300));
    const gone = ((await (await fetch(`${url}/health`)).json()) as { queue: unknown }).queue;
    await (await fetch(`${url}/api/steer`, post(npBody))).json();
    const after = ((await (await fetch(`${url}/health`)).json()) as { queue: unknown }).queue;
    p.stdin.end();
    expect(await p.exited).toBe(0);
    const stderr = await new Response(p.stderr).text();
    return { health, encode, steer, runtime, gone, after, stderr };
  } finally {
    clearTimeout(timer);
    p.kill();
  }
}

describe("the server under Node and Deno", async () => {
  const encode = await (await app.request("/v1/encode", post(encodeBody))).json();
  const steer = (await (await app.request("/api/steer", post(npBody))).json()) as { STEERED: string; DEFAULT: string };
  expect(steer.STEERED).not.toBe(steer.DEFAULT);

  test("node: node:http listener; /health, /v1/encode, /api/steer as in-process; disconnect cancels", async () => {
    const r = await serveWith(["node", bundle]);
    expect(r.runtime).toBe("node");
    expect(r.health.status).toBe("ok");
    expect(r.health.sae).toEqual({ hook_name: FAKE_HOOK, d_in: 6, d_sae: 12, neuronpedia_id: "gpt2-small/8-res-jb" });
    expect(r.encode).toEqual(encode);
    expect(r.steer).toEqual(steer);
    expect(r.gone).toMatchObject({ running: false, completed: 2, cancelled: 1, dropped: 0 });
    expect(r.after).toMatchObject({ running: false, completed: 3, cancelled: 1 });
    expect(r.stderr).not.toMatch(/error|cancel|disconnect/i); // a client going away is not logged
  }, 180_000);

  // Deno.serve's default ("legacy abort") also fires request.signal after a successful response and then prints one
  // warning per process; --unstable-no-legacy-abort fires it only when the client goes away. Both cancel alike.
  for (const flags of [[], ["--unstable-no-legacy-abort"]]) {
    test(`deno ${flags.join(" ")}: Deno.serve listener (navigator.gpu); same answers; disconnect cancels`, async () => {
      const r = await serveWith([DENO, "run", "-A", ...flags, bundle]);
      expect(r.runtime).toBe("deno");
      expect(r.health.status).toBe("ok");
      expect(r.encode).toEqual(encode);
      expect(r.steer).toEqual(steer);
      expect(r.gone).toMatchObject({ running: false, completed: 2, cancelled: 1, dropped: 0 });
      expect(r.after).toMatchObject({ running: false, completed: 3, cancelled: 1 });
      const legacy = r.stderr.split("\n").filter((l) => l.includes("legacy behavior")).length;
      expect(legacy).toBe(flags.length === 0 ? 1 : 0);
      expect(r.stderr).not.toMatch(/error|cancel|disconnect/i);
    }, 180_000);
  }
});
