// Per-token runtime normalisation on the Sae: layer_norm (the OpenAI v5 GPT-2 releases) and constant_norm_rescale,
// checked against a float64 host computation: normalise each token, run the CPU SAE reference on it, map the
// reconstruction back with the same token's statistics. Also: decode needs its encode's batch; training refuses.
import { describe, expect, test } from "bun:test";
import { getDevice, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { cpuTrainStep } from "./cpu/reference.ts";
import type { NormalizeActivations } from "./config.ts";
import { SaeConfigError } from "./errors.ts";
import { LAYER_NORM_EPS } from "./runtime_norm.ts";
import { Sae } from "./sae.ts";

const B = 13;
const D = 23;

/** Host reference: [normalised x, per-token (scale, shift)] with x_hat_orig = x_hat * scale + shift. */
function hostNorm(mode: NormalizeActivations, x: Float32Array): { xn: Float64Array; sc: Float64Array; sh: Float64Array } {
  const xn = new Float64Array(x.length);
  const sc = new Float64Array(B);
  const sh = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const row = Array.from(x.subarray(b * D, (b + 1) * D));
    if (mode === "layer_norm") {
      const mu = row.reduce((a, v) => a + v, 0) / D;
      const std = Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / (D - 1));
      row.forEach((v, c) => (xn[b * D + c] = (v - mu) / (std + LAYER_NORM_EPS)));
      sc[b] = std;
      sh[b] = mu;
    } else {
      const n = Math.hypot(...row);
      row.forEach((v, c) => (xn[b * D + c] = (v * Math.sqrt(D)) / n));
      sc[b] = n / Math.sqrt(D);
    }
  }
  return { xn, sc, sh };
}

async function check(mode: NormalizeActivations, architecture: "standard" | "topk") {
  const device = await getDevice();
  const sae = Sae.create(device, { architecture, k: architecture === "topk" ? 4 : null, d_in: D, d_sae: 37, normalize_activations: mode, decoder_init_norm: 0.7 }, 9);
  const host = await sae.toHost();
  // a non-zero b_enc / b_dec so centring and the bias terms are exercised
  const rng = new Rng(31);
  host.b_enc = rng.normalArray(37, 0.2);
  host.b_dec = rng.normalArray(D, 0.5);
  sae.dispose();
  const s2 = Sae.fromHost(device, sae.cfg, host);
  const xh = rng.normalArray(B * D, 3);
  for (let i = 0; i < xh.length; i++) xh[i] += 1.5 + (i % 5); // non-zero mean per token
  const { xn, sc, sh } = hostNorm(mode, xh);
  const ref = cpuTrainStep(s2.cfg, Object.fromEntries(Object.entries(host).map(([k, v]) => [k, Float64Array.from(v)])), xn, B);
  const want = ref.saeOut.map((v, i) => v * sc[Math.floor(i / D)] + sh[Math.floor(i / D)]);
  const x = Tensor.from(device, [B, D], xh);
  const f = await s2.encode(x);
  assertClose(`${mode} ${architecture} feature acts`, await f.read(), ref.featureActs, 1e-4, 1e-4);
  const out = s2.decode(f);
  assertClose(`${mode} ${architecture} reconstruction`, await out.read(), want, 1e-4, 1e-4);
  const fwd = await s2.forward(x);
  assertClose(`${mode} ${architecture} forward`, await fwd.read(), want, 1e-4, 1e-4);
  const withErr = await s2.forward(x, { errorTerm: true });
  assertClose(`${mode} ${architecture} forward + error term`, await withErr.read(), xh, 1e-5, 1e-4);
  for (const t of [f, out, fwd, withErr, x]) t.dispose();
  return s2;
}

describe("runtime activation normalisation", () => {
  test("layer_norm: standard SAE encode/decode against the host computation", async () => {
    (await check("layer_norm", "standard")).dispose();
  });

  test("layer_norm: topk SAE (the v5 releases' architecture)", async () => {
    (await check("layer_norm", "topk")).dispose();
  });

  test("constant_norm_rescale: standard SAE", async () => {
    (await check("constant_norm_rescale", "standard")).dispose();
  });

  test("decode of another batch size and training are typed errors", async () => {
    const sae = await check("layer_norm", "standard");
    const device = sae.device;
    const f = Tensor.from(device, [B + 1, 37], new Float32Array((B + 1) * 37));
    expect(() => sae.decode(f)).toThrow(`decode of ${B + 1} rows after an encode of ${B} rows`);
    const x = Tensor.from(device, [B, D], new Float32Array(B * D).fill(1));
    await expect(sae.trainForward(x)).rejects.toThrow(SaeConfigError);
    await expect(sae.trainForward(x)).rejects.toThrow(/training with normalize_activations 'layer_norm' is not implemented/);
    for (const t of [f, x]) t.dispose();
    sae.dispose();
  });
});
