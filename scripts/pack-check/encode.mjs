// Run by scripts/pack-check.sh in an app outside the workspace that installed the packed tarballs with npm:
// under plain Node (Dawn from npm `webgpu`) and under Deno (navigator.gpu), loads a SAELens checkpoint
// (cfg.json + sae_weights.safetensors, written by SAELens) and checks encode/decode against the values
// PyTorch computed (expected.safetensors). Prints one line; exits 1 on a mismatch.
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { loadSae } from "@sae/core/node";

const runtime = "Deno" in globalThis ? `deno ${globalThis.Deno.version.deno}`
  : "Bun" in globalThis ? `bun ${globalThis.Bun.version}` : `node ${process.version}`;
const device = await getDevice();
const sae = loadSae("ckpt", device);
const want = loadSafetensorsFile("ckpt/expected.safetensors").tensors;
const xData = want.get("x").data;
const x = Tensor.from(device, [xData.length / sae.cfg.d_in, sae.cfg.d_in], xData);
const acts = await sae.encode(x);
const out = sae.decode(acts);
let worst = 0;
let bad = 0;
for (const [name, got] of [["feature_acts", await acts.read()], ["sae_out", await out.read()]]) {
  const ref = want.get(name).data;
  if (ref.length !== got.length) throw new Error(`${name}: ${got.length} values, expected ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    worst = Math.max(worst, err);
    if (!(err <= 1e-5 + 1e-5 * Math.abs(ref[i]))) bad++;
  }
}
const active = Array.from(await acts.read()).filter((v) => v > 0).length;
const line = `${runtime}: ${device.describe()}: SAELens ${sae.cfg.architecture} d_in ${sae.cfg.d_in} d_sae ` +
  `${sae.cfg.d_sae}, ${xData.length / sae.cfg.d_in} rows, ${active} active latents, max |error| ` +
  worst.toExponential(2);
console.log(bad === 0 && active > 0 ? `ok ${line}` : `MISMATCH (${bad} values) ${line}`);
for (const t of [x, acts, out]) t.dispose();
sae.dispose();
device.destroy();
const code = bad === 0 && active > 0 ? 0 : 1;
if ("Deno" in globalThis) globalThis.Deno.exit(code);
else process.exit(code); // Dawn keeps Node's event loop alive
