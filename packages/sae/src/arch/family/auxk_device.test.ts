// The TopK family's aux-k term with the dead mask on the device (ctx.deadSince: since_fired and the window, bounded
// k_aux) against the host mask (ctx.deadMask, k_aux = min(k_aux, n_dead)): one training step of topk (d_sae 2048:
// aux-k through pairs), batchtopk and matryoshka_batchtopk (the dense aux-k), rescaled and not, with none, a few
// (< k_aux) and many (> k_aux) latents dead gives the same losses, outputs and gradients (sameReadings: rtol 1e-4,
// atol 1e-5; only the order of the coefficient's multiplications differs), and an aux loss of 0 when none is dead.
import { describe, expect, test } from "bun:test";
import { getDevice, Rng, Tensor } from "@sae/tensor-core";
import { Sae } from "../../sae.ts";
import type { ArchitectureName } from "../registry.ts";
import { sameReadings, stepReadings } from "../sparse_step_testing.ts";

const [D_IN, D_SAE, BATCH, WINDOW] = [32, 2048, 24, 10]; // k_aux = 16; topk takes pairs (16 * 32 <= 2048)

async function compare(arch: ArchitectureName, rescale: boolean, nDead: number): Promise<void> {
  const device = await getDevice();
  const widths = arch === "matryoshka_batchtopk" ? { matryoshka_widths: [512, D_SAE] } : {};
  const cfg = { architecture: arch, d_in: D_IN, d_sae: D_SAE, k: 4, rescale_acts_by_decoder_norm: rescale, ...widths };
  const rng = new Rng(nDead + 1);
  const x = Tensor.from(device, [BATCH, D_IN], rng.normalArray(BATCH * D_IN, 1));
  const since = new Float32Array(D_SAE).fill(WINDOW); // not > window: live
  for (let i = 0; i < nDead; i++) since[(i * 613) % D_SAE] = WINDOW + 1 + i;
  const sinceFired = Tensor.from(device, [D_SAE], since);
  const deadMask = since.map((v) => (v > WINDOW ? 1 : 0));
  const readings = [];
  for (const ctx of [{ deadMask }, { deadMask: null, deadSince: { sinceFired, window: WINDOW } }]) {
    const sae = Sae.create(device, cfg, 7);
    if (arch.includes("batchtopk")) sae.topkThreshold = 0.5;
    readings.push(await stepReadings(sae, x, ctx));
    sae.dispose();
  }
  const [host, dev] = readings;
  expect(dev.sparse).toBe(host.sparse);
  const what = `${arch} rescale ${rescale}, ${nDead} dead`;
  sameReadings(`${what} forward`, host.fwd, dev.fwd);
  sameReadings(`${what} grads`, host.grads, dev.grads);
  const aux = host.fwd.auxiliary_reconstruction_loss[0];
  if (nDead === 0) expect(dev.fwd.auxiliary_reconstruction_loss[0]).toBe(0);
  else expect(aux).toBeGreaterThan(0);
  for (const t of [x, sinceFired]) t.dispose();
}

describe("aux-k with the dead mask on the device equals the host mask", () => {
  for (const arch of ["topk", "batchtopk", "matryoshka_batchtopk"] as const) {
    for (const rescale of [false, true]) {
      test(`${arch}, rescale_acts_by_decoder_norm ${rescale}: 0, 5 and 40 dead (k_aux 16)`, async () => {
        for (const nDead of [0, 5, 40]) await compare(arch, rescale, nDead);
      });
    }
  }
});
