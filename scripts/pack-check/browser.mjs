// Run by scripts/pack-check.sh: bundled with `bun build --target browser` from the installed packages (their
// `browser` condition: dist/browser) and run under Deno as a stand-in for a browser: the five library packages'
// main entries (no `./node` subpath; server and cli are Node apps) bundle with no externals and no stubs for
// `node:` built-ins, every entry loads, WebGPU comes from navigator.gpu, files come over fetch (file: URLs here,
// http(s) in a browser). Checks a matmul, a TopK SAE encode, the SAELens checkpoint by URL (Sae.fromUrl) against
// PyTorch's values, the bundled model by URL (loadModelFromUrl) against Node's logits from disk, and that the
// main entries offer no file-system loader (those are in the ./node subpaths).
// Usage: deno run -A browser.js <checkpoint folder URL> <bundled model folder URL> <model-node.json path URL>
import * as tensorCore from "@sae/tensor-core";
import * as transformer from "@sae/transformer";
import * as core from "@sae/core";
import * as train from "@sae/train";
import * as hub from "@sae/hub";

const { getDevice, matmul, Tensor } = tensorCore;
const device = await getDevice();
const a = Tensor.from(device, [2, 3], new Float32Array([1, 2, 3, 4, 5, 6])); // [2, 3]
const b = Tensor.from(device, [3, 2], new Float32Array([1, 0, 0, 1, -1, 2])); // [3, 2]
const ab = Array.from(await matmul(a, b).read()); // [2, 2]
const wantAb = [1 * 1 + 3 * -1, 2 * 1 + 3 * 2, 4 * 1 + 6 * -1, 5 * 1 + 6 * 2];
const k = 3;
const cfg = { architecture: "topk", d_in: 8, d_sae: 32, k, hook_name: "blocks.0.hook_resid_pre" };
const sae = core.Sae.create(device, cfg, 1);
const x = Tensor.from(device, [4, 8], Float32Array.from({ length: 32 }, (_, i) => Math.sin(i + 1))); // [batch, d_in]
const acts = await (await sae.encode(x)).read(); // [batch, d_sae]
const l0 = [0, 1, 2, 3].map((r) => acts.subarray(r * 32, (r + 1) * 32).filter((v) => v !== 0).length);
// the file-system loaders live in the ./node subpaths, not in what a browser bundles
const fsNames = [["Sae.load", "load" in core.Sae], ["loadSae", "loadSae" in core], ["saveSae", "saveSae" in core],
  ["loadBundled", "loadBundled" in transformer], ["loadSafetensorsFile", "loadSafetensorsFile" in tensorCore],
  ["hubDownload", "hubDownload" in hub]];
const fsLeft = fsNames.filter(([, has]) => has).map(([name]) => name);
const [ckptUrl, modelUrl, refUrl] = globalThis.Deno.args;
const saved = await core.Sae.fromUrl(ckptUrl, device);
const expectedBytes = await hub.fetchBytes(hub.joinUrl(ckptUrl, "expected.safetensors"));
const want = tensorCore.readSafetensors(expectedBytes); // written by SAELens/PyTorch
const xs = want.tensors.get("x").data;
const got = await (await saved.encode(Tensor.from(device, [xs.length / saved.cfg.d_in, saved.cfg.d_in], xs))).read();
const ref = want.tensors.get("feature_acts").data;
const saeErr = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
const model = await transformer.loadModelFromUrl(modelUrl);
const node = await (await fetch(refUrl)).json();
const run = await model.runWithCache("ROMEO:\nBut soft, what light", { names: [], logits: true });
const logits = await run.logits.read();
const modelErr = node.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - logits[i])), 0);
const surface = [tensorCore, hub, transformer, core, train].map((m) => Object.keys(m).length);
const ok = ab.every((v, i) => Math.abs(v - wantAb[i]) < 1e-5) && l0.every((n) => n <= k && n > 0) &&
  fsLeft.length === 0 && got.length === ref.length && saeErr <= 1e-5 &&
  logits.length === node.logits.length && modelErr <= 1e-3;
console.log(`${ok ? "ok" : "MISMATCH"} browser bundle under deno (navigator.gpu): 5 entries loaded ` +
  `(${surface.join(" ")} exports), matmul ${JSON.stringify(ab)}, TopK L0 per row ${l0.join(" ")} (k ${k}); ` +
  `Sae.fromUrl SAELens ckpt max |error| ${saeErr.toExponential(2)}; loadModelFromUrl logits max ` +
  `|deno bundle - node| ${modelErr.toExponential(2)}; file loaders in the bundle: ${fsLeft.join(", ") || "none"}`);
globalThis.Deno.exit(ok ? 0 : 1);
