// The browser side of browser.test.ts, bundled with `bun build --target browser` from the packages' built browser
// entries (dist/browser). In the page's WebGPU (navigator.gpu) it runs a matmul of the inputs in /matmul.json, an
// SAE encode/decode of a SAELens checkpoint fetched by URL (/sae/, with /sae/expected.safetensors' x as input) and
// the bundled model fetched by URL (/model/): logits and greedy text, and a pretrained SAE by release and id
// (loadPretrainedSaeBytes over the loopback hub at /hub/, Cache Storage as its cache) encoding /sae5/'s x, and the
// bundled model by hub id (loadModelFromHub from the same hub). It POSTs everything to /report (or the error);
// the test compares the numbers with its references.
import { CacheStorageHubCache, fetchBytes, hubFetchBytes, MemoryHubCache } from "@sae/hub";
import { getDevice, matmul } from "@sae/tensor-core";
import { readSafetensors, Tensor } from "@sae/tensor-core";
import { loadPretrainedSaeBytes, Sae } from "@sae/core";
import { loadModelFromHub, loadModelFromUrl } from "@sae/transformer";

export const PROMPT = "ROMEO: But soft, what light";
export const COMMIT = "0123456789abcdef0123456789abcdef01234567";

async function run(): Promise<Record<string, unknown>> {
  const device = await getDevice();
  type Inputs = { M: number; K: number; N: number; a: number[]; b: number[] };
  const mm = (await (await fetch("/matmul.json")).json()) as Inputs;
  const a = Tensor.from(device, [mm.M, mm.K], new Float32Array(mm.a)); // [M, K]
  const b = Tensor.from(device, [mm.K, mm.N], new Float32Array(mm.b)); // [K, N]
  const c = matmul(a, b); // [M, N]

  const sae = await Sae.fromUrl("/sae/", device);
  const xData = readSafetensors(await fetchBytes("/sae/expected.safetensors")).tensors.get("x")!.data as Float32Array;
  const x = Tensor.from(device, [xData.length / sae.cfg.d_in, sae.cfg.d_in], xData); // [batch, d_in]
  const acts = await sae.encode(x); // [batch, d_sae]
  const out = sae.decode(acts); // [batch, d_in]

  const model = await loadModelFromUrl("/model/", { device });
  const logits = await model.forward(PROMPT); // [1, pos, d_vocab]
  const gen = await model.generate(PROMPT, { maxNewTokens: 16, temperature: 0 });
  // The hub client over fetch with the browser's Cache Storage: the second read of a commit-pinned file is cached.
  const cache = new CacheStorageHubCache(`sae-test-${Date.now()}`);
  const hubOpts = { endpoint: `${location.origin}/hub`, revision: COMMIT, cache };
  const hub = [];
  for (let i = 0; i < 2; i++) hub.push(await hubFetchBytes("org/sae", "cfg.json", hubOpts));
  const hubBad = await hubFetchBytes("org/sae", "bad.json", hubOpts).then(
    () => "no error",
    (e: Error) => `${e.name}: ${e.message}`,
  );
  // A registry release by id, its files through hubFetchBytes (checked by SHA-256 ETags) into Cache Storage.
  const cacheName = `sae-pre-${Date.now()}`;
  const preOpts = { endpoint: `${location.origin}/hub`, revision: COMMIT, cache: new CacheStorageHubCache(cacheName) };
  const pre = await loadPretrainedSaeBytes("gpt2-small-res-jb", "blocks.0.hook_resid_pre", device, preOpts);
  const x5 = readSafetensors(await fetchBytes("/sae5/expected.safetensors")).tensors.get("x")!.data as Float32Array;
  const preActs = await pre.encode(Tensor.from(device, [x5.length / pre.cfg.d_in, pre.cfg.d_in], x5)); // [batch, d_sae]
  const hubModel = await loadModelFromHub("org/tiny-shakespeare", { ...preOpts, device, cache: new MemoryHubCache() });
  const hubLogits = await hubModel.forward(PROMPT); // [1, pos, d_vocab]
  const hubGen = await hubModel.generate(PROMPT, { maxNewTokens: 16, temperature: 0 });
  return {
    device: device.describe(),
    hubModel: { logits: Array.from(await hubLogits.read()), text: hubGen.text },
    pretrained: { hook: pre.cfg.hook_name, sparsity: pre.sparsity?.length, acts: Array.from(await preActs.read()) },
    hub: hub.map((b) => new TextDecoder().decode(b)),
    hubBad,
    matmul: Array.from(await c.read()),
    sae: { architecture: sae.cfg.architecture, acts: Array.from(await acts.read()), out: Array.from(await out.read()) },
    model: { shape: logits.shape, logits: Array.from(await logits.read()), text: gen.text, tokens: gen.tokens },
  };
}

let report: Record<string, unknown>;
try {
  report = await run();
} catch (e) {
  report = { error: `${(e as Error).name}: ${(e as Error).message}\n${(e as Error).stack ?? ""}` };
}
await fetch("/report", { method: "POST", body: JSON.stringify(report) });
document.body.textContent = "reported";
