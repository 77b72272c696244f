// Defect #19, running work: a steer request whose client goes away while its generation runs stops between tokens
// (the request's AbortSignal reaches steerGenerate through the queue), frees its GPU tensors (the pool's live bytes
// return to the baseline), counts in /health's queue.cancelled (not completed), and the next request is served at
// once, with the same answer as on an idle server. The fake model (n_ctx 64, so 60 new tokens)
// is slowed to 8 ms per token and counts its passes.
import { describe, expect, test } from "bun:test";
import { FakeModel, FakeSae } from "@sae/core/testing";
import { getDevice } from "@sae/tensor-core";
import { createApp } from "./app.ts";
import { listen } from "./listen.ts";

const device = await getDevice();
const model = new FakeModel(device, { seed: 41 });
const sae = new FakeSae(device, { seed: 42, d_sae: 16 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fake model (same seed), 8 ms per token pass; `passes` counts them. */
function slowModel(): { slow: FakeModel; passes: () => number } {
  const slow = new FakeModel(device, { seed: 41 });
  slow.passDelayMs = 8;
  return { slow, passes: () => slow.passes };
}

const features = [{ index: 3, strength: 2 }];
const steerBody = (prompt: string, max_new_tokens: number) =>
  JSON.stringify({ prompt, features, max_new_tokens, seed: 1 });
type Queue = { running: boolean; waiting: number; completed: number; dropped: number; cancelled: number };
const idle = createApp({ model, sae });
const reference = await (await idle.request("/v1/steer", { method: "POST", body: steerBody("a dog", 3) })).json();

describe("a disconnected client's running generation stops (#19)", () => {
  test("app.request: aborting mid-generation stops the passes, counts cancelled, frees tensors", async () => {
    const { slow, passes } = slowModel();
    const app = createApp({ model: slow, sae });
    const baseline = device.memory().liveBytes;
    const ctrl = new AbortController();
    const res = app.request("/v1/steer", { method: "POST", body: steerBody("the cat", 60), signal: ctrl.signal });
    const settled = Promise.resolve(res).then((r) => r.status, (e: unknown) => e);
    await sleep(150);
    expect(passes()).toBeGreaterThan(0);
    ctrl.abort();
    await settled;
    await sleep(50);
    const atStop = passes();
    expect(atStop).toBeLessThan(60); // still in the unsteered half of 2 x 60 passes
    const q = ((await (await app.request("/health")).json()) as { queue: Queue }).queue;
    expect(q).toMatchObject({ running: false, waiting: 0, completed: 0, dropped: 0, cancelled: 1 });
    expect(device.memory().liveBytes).toBe(baseline);
    await sleep(100);
    expect(passes()).toBe(atStop); // nothing runs on in the background
    const next = await app.request("/v1/steer", { method: "POST", body: steerBody("a dog", 3) });
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual(reference);
    expect(passes()).toBe(atStop + 6);
  });

  test("POST /api/steer (Neuronpedia's body) stops the same way", async () => {
    const { slow, passes } = slowModel();
    const app = createApp({ model: slow, sae });
    const baseline = device.memory().liveBytes;
    const ctrl = new AbortController();
    const feature = { modelId: slow.name, layer: sae.cfg.hook_name, index: 3, strength: 2 };
    const np = { prompt: "the cat", modelId: slow.name, n_tokens: 60, temperature: 0.5, seed: 2 };
    const body = JSON.stringify({ ...np, features: [feature] });
    const settled = Promise.resolve(app.request("/api/steer", { method: "POST", body, signal: ctrl.signal })).then(
      (r) => r.status,
      (e: unknown) => e,
    );
    await sleep(150);
    expect(passes()).toBeGreaterThan(0);
    ctrl.abort();
    await settled;
    await sleep(50);
    expect(passes()).toBeLessThan(60);
    const q = ((await (await app.request("/health")).json()) as { queue: Queue }).queue;
    expect(q).toMatchObject({ running: false, completed: 0, cancelled: 1 });
    expect(device.memory().liveBytes).toBe(baseline);
  });

  test("over real sockets (listen): 9 steer requests of 60 tokens, clients abort: 1 cancelled, 8 dropped", async () => {
    const { slow, passes } = slowModel();
    const srv = await listen(createApp({ model: slow, sae, limits: { maxQueue: 16 } }), { port: 0 });
    try {
      const baseline = device.memory().liveBytes;
      const ctrls = Array.from({ length: 9 }, (_, i) => {
        const c = new AbortController();
        const init = { method: "POST", body: steerBody(`the cat ${i}`, 60), signal: c.signal };
        return { c, done: fetch(`${srv.url}/v1/steer`, init).catch((e: unknown) => e) };
      });
      await sleep(300);
      expect(passes()).toBeGreaterThan(0);
      for (const { c } of ctrls) c.abort();
      await Promise.all(ctrls.map((x) => x.done));
      await sleep(300);
      const atStop = passes();
      expect(atStop).toBeLessThan(120); // the first request's 2 x 60 passes did not all run
      const q = ((await (await fetch(`${srv.url}/health`)).json()) as { queue: Queue }).queue;
      expect(q).toMatchObject({ running: false, waiting: 0, completed: 0, dropped: 8, cancelled: 1 });
      expect(device.memory().liveBytes).toBe(baseline);
      const t0 = performance.now();
      const next = await fetch(`${srv.url}/v1/steer`, { method: "POST", body: steerBody("a dog", 3) });
      const ms = performance.now() - t0;
      expect(next.status).toBe(200);
      expect(await next.json()).toEqual(reference);
      expect(passes()).toBe(atStop + 6); // served at once: only its own 2 x 3 passes ran
      expect(ms).toBeLessThan(5000); // 9 x 120 passes x 8 ms would be over 8 s
      const after = ((await (await fetch(`${srv.url}/health`)).json()) as { queue: Queue }).queue;
      expect(after).toMatchObject({ completed: 1, cancelled: 1, dropped: 8 });
    } finally {
      await srv.stop();
    }
  });
});
