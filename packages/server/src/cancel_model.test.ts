// Defect #19 as reported, on the real bundled model + SAE (loadAnalysisPair, as `sae serve --sae bundled`): 9 POST
// /v1/steer with max_new_tokens 64 over loopback sockets, clients abort while the first generation runs. The run
// stops within a pass (the model's forward passes are counted), /health shows 1 cancelled + 8 dropped and 0
// completed, the pool's live bytes return to the baseline (KV caches, steering vector freed), and the next
// request is served with only its own passes, answering as an idle server does.
import { describe, expect, test } from "bun:test";
import { createApp } from "./app.ts";
import { listen } from "./listen.ts";
import { loadAnalysisPair } from "./load_pair.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Queue = { running: boolean; waiting: number; completed: number; dropped: number; cancelled: number };

describe("real model: disconnected clients stop a running steer (#19)", async () => {
  const pair = await loadAnalysisPair({ sae: "bundled" });
  const device = pair.hooked.device;
  let passes = 0;
  const run = pair.hooked.run.bind(pair.hooked);
  (pair.hooked as { run: typeof run }).run = (...a: Parameters<typeof run>) => (passes++, run(...a));
  const features = [{ index: 7, strength: 3 }];
  const body = (prompt: string, max_new_tokens: number) =>
    JSON.stringify({ prompt, features, max_new_tokens, temperature: 0, seed: 3 });
  const idle = createApp({ model: pair.model, sae: pair.sae });
  const small = () => idle.request("/v1/steer", { method: "POST", body: body("ROMEO:", 4) });
  const reference = await (await small()).json();

  test("9 x 64-token steers aborted: cancelled 1, dropped 8, completed 0, tensors freed, next served", async () => {
    const srv = await listen(createApp({ model: pair.model, sae: pair.sae, limits: { maxQueue: 16 } }), { port: 0 });
    try {
      const baseline = device.memory().liveBytes;
      passes = 0;
      const ctrls = Array.from({ length: 9 }, (_, i) => {
        const c = new AbortController();
        const init = { method: "POST", body: body(`ROMEO ${i}:`, 64), signal: c.signal };
        return { c, done: fetch(`${srv.url}/v1/steer`, init).catch((e: unknown) => e) };
      });
      for (let t = 0; passes < 10 && t < 600; t++) await sleep(50);
      expect(passes).toBeGreaterThanOrEqual(10);
      for (const { c } of ctrls) c.abort();
      await Promise.all(ctrls.map((x) => x.done));
      let q!: Queue;
      for (let t = 0; t < 100; t++) {
        q = ((await (await fetch(`${srv.url}/health`)).json()) as { queue: Queue }).queue;
        if (!q.running && q.waiting === 0) break;
        await sleep(50);
      }
      const atStop = passes;
      expect(atStop).toBeLessThan(128); // 2 x 64 passes for the first request alone if it ran to the end
      expect(q).toMatchObject({ running: false, waiting: 0, completed: 0, dropped: 8, cancelled: 1 });
      expect(device.memory().liveBytes).toBe(baseline);
      const next = await fetch(`${srv.url}/v1/steer`, { method: "POST", body: body("ROMEO:", 4) });
      expect(next.status).toBe(200);
      expect(await next.json()).toEqual(reference);
      expect(passes).toBe(atStop + 8); // its own 2 x 4 passes only
      console.log(`#19 real model: first steer stopped after ${atStop} of 128 passes; 8 queued dropped`);
    } finally {
      await srv.stop();
    }
  }, 120_000);
});
