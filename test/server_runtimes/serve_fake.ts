// Entry that server-runtimes.test.ts bundles to one JavaScript file and runs under plain Node and under Deno: the
// app of `sae serve` on the tiny CPU-checked fake model/SAE (seeds fixed, so every runtime builds the same pair),
// listening on a free loopback port through whichever listener the runtime has. Prints one JSON line
// { url, runtime } and serves until stdin closes (the test ends it that way on every runtime). SAE_FAKE_PASS_MS
// slows every token pass of the fake model (disconnect tests need a generation still running).
import { FakeModel, FakeSae } from "@sae/core/testing";
import { createApp, listen } from "@sae/server";
import { getDevice } from "@sae/tensor-core";

const device = await getDevice();
const model = new FakeModel(device, { seed: 51 });
model.passDelayMs = Number(process.env.SAE_FAKE_PASS_MS ?? 0);
const sae = new FakeSae(device, { seed: 52, d_sae: 12, neuronpedia_id: "gpt2-small/8-res-jb" });
const server = await listen(createApp({ model, sae }), { port: 0 });
console.log(JSON.stringify({ url: server.url, runtime: server.runtime }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.stop();
  process.exit(0);
});
