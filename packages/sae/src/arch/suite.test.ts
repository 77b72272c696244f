// The shared suite every architecture in the registry must pass: shapes, an exact encode/decode round trip on a
// toy problem (W_dec rows +-e_i, W_enc = W_dec^T), save -> load equality, and a training loss that falls over 50
// Adam steps on sparse synthetic data.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adam, getDevice, Rng, Tensor, type Device } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { ARCHITECTURE_NAMES, isTopkFamily, makeConfig, type ArchitectureName, type SaeConfig } from "../config.ts";
import { Sae } from "../sae.ts";
import { ARCHITECTURES } from "./registry.ts";
import { loadSae } from "../load.ts";
import { saveSae } from "../checkpoint.ts";

const D_IN = 8;

/** Fields an architecture needs besides d_in / d_sae: k for the TopK family, widths for Matryoshka. */
function archFields(arch: ArchitectureName, d_sae: number, k: number): Partial<SaeConfig> {
  if (!isTopkFamily(arch)) return {};
  return arch === "matryoshka_batchtopk" ? { k, matryoshka_widths: [Math.floor(d_sae / 4), d_sae] } : { k };
}

/** W_dec rows +e_i and -e_i: every x is reconstructed exactly from its positive and negative parts. */
function signedIdentity(device: Device, arch: ArchitectureName): Sae {
  const d_sae = 2 * D_IN;
  const cfg = makeConfig({ architecture: arch, d_in: D_IN, d_sae, ...archFields(arch, d_sae, D_IN) });
  const W_dec = new Float32Array(d_sae * D_IN);
  const W_enc = new Float32Array(D_IN * d_sae);
  for (let i = 0; i < D_IN; i++) {
    W_dec[i * D_IN + i] = 1;
    W_dec[(D_IN + i) * D_IN + i] = -1;
    W_enc[i * d_sae + i] = 1;
    W_enc[i * d_sae + D_IN + i] = -1;
  }
  const host: Record<string, Float32Array> = { W_enc, W_dec, b_dec: new Float32Array(D_IN), b_enc: new Float32Array(d_sae) };
  if (arch === "gated") Object.assign(host, { b_gate: new Float32Array(d_sae), b_mag: new Float32Array(d_sae), r_mag: new Float32Array(d_sae) });
  if (arch === "jumprelu") host.log_threshold = new Float32Array(d_sae).fill(Math.log(1e-6));
  const sae = Sae.fromHost(device, cfg, host);
  if (arch.includes("batchtopk")) sae.topkThreshold = 1e-6;
  return sae;
}

/** Sparse combinations of n random unit directions: [batch, d_in]. */
function toyData(rng: Rng, batch: number, d_in: number, dirs: Float32Array, n: number): Float32Array {
  const x = new Float32Array(batch * d_in);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < n; j++) {
      if (rng.next() > 3 / n) continue;
      const a = 1 + rng.next();
      for (let c = 0; c < d_in; c++) x[b * d_in + c] += a * dirs[j * d_in + c];
    }
  }
  return x;
}

const TRAIN: Record<ArchitectureName, Record<string, number>> = {
  standard: { l1_coefficient: 1e-3 },
  gated: { l1_coefficient: 1e-3 },
  jumprelu: { l0_coefficient: 1e-3 },
  topk: { k: 4 },
  batchtopk: { k: 4 },
  matryoshka_batchtopk: { k: 4 },
};

describe("shared architecture suite", () => {
  for (const arch of ARCHITECTURE_NAMES) {
    describe(arch, () => {
      test("shapes of parameters, activations, outputs, losses and gradients", async () => {
        const device = await getDevice();
        const sae = Sae.create(device, { architecture: arch, d_in: 13, d_sae: 21, ...archFields(arch, 21, 3) }, 1);
        expect(sae.arch).toBe(ARCHITECTURES[arch]);
        const shapes = sae.arch.paramShapes(sae.cfg);
        for (const [n, s] of Object.entries(shapes)) expect([n, [...sae.params[n].shape]]).toEqual([n, [...s]]);
        const x = Tensor.from(device, [7, 13], new Rng(2).normalArray(7 * 13));
        const f = await sae.encode(x);
        expect(f.shape).toEqual([7, 21]);
        expect(sae.decode(f).shape).toEqual([7, 13]);
        const out = await sae.trainForward(x, { deadMask: new Float32Array(21).fill(1) });
        expect([out.featureActs.shape, out.hiddenPre.shape, out.saeOut.shape, out.loss.shape]).toEqual([[7, 21], [7, 21], [7, 13], [1]]);
        const grads = sae.backward();
        expect(Object.keys(grads).sort()).toEqual(Object.keys(shapes).sort());
        for (const [n, s] of Object.entries(shapes)) expect([n, [...grads[n].shape]]).toEqual([n, [...s]]);
        await expect(sae.encode(Tensor.from(device, [2, 12], new Float32Array(24)))).rejects.toThrow(/input \[2, 12\] must be \[\.\.\., 13\]/);
        sae.dispose();
      });

      test("encode -> decode reconstructs exactly with a signed-identity dictionary", async () => {
        const device = await getDevice();
        const sae = signedIdentity(device, arch);
        const xs = new Rng(3).normalArray(9 * D_IN);
        const x = Tensor.from(device, [9, D_IN], xs);
        const f = await sae.encode(x);
        assertClose(`${arch} round trip`, await sae.decode(f).read(), xs, 1e-5, 1e-5);
        const fh = await f.read();
        expect(fh.every((v) => v >= 0)).toBe(true);
        sae.dispose();
      });

      test("save -> load keeps every parameter and the encoder's output", async () => {
        const device = await getDevice();
        const sae = Sae.create(device, { architecture: arch, d_in: 10, d_sae: 24, ...archFields(arch, 24, 5), hook_name: "blocks.2.hook_resid_pre" }, 4);
        if (arch.includes("batchtopk")) sae.topkThreshold = 0.01;
        const noisy = await sae.toHost();
        const rng = new Rng(9);
        for (const [n, v] of Object.entries(noisy)) sae.params[n].write(v.map((a) => a + (n === "log_threshold" ? 0 : 0.05 * rng.normal())));
        const dir = mkdtempSync(join(tmpdir(), "sae-suite-"));
        await saveSae(sae, dir);
        const back = loadSae(dir, device);
        expect(back.cfg.architecture).toBe(arch.includes("batchtopk") ? "jumprelu" : arch); // SAELens saves BatchTopK as JumpReLU
        expect(back.cfg.hook_name).toBe("blocks.2.hook_resid_pre");
        const a = await sae.toHost();
        const b = await back.toHost();
        for (const n of Object.keys(a)) assertClose(`${arch} ${n}`, b[n], a[n], 1e-6, 1e-7);
        const x = Tensor.from(device, [6, 10], new Rng(8).normalArray(60));
        assertClose(`${arch} encode after load`, await (await back.encode(x)).read(), await (await sae.encode(x)).read(), 1e-5, 1e-6);
        sae.dispose();
        back.dispose();
      });

      test("the training loss falls over 50 Adam steps on sparse toy data", async () => {
        const device = await getDevice();
        const rng = new Rng(11);
        const d_in = 16;
        const n = 24;
        const dirs = rng.normalArray(n * d_in);
        for (let j = 0; j < n; j++) {
          const row = dirs.subarray(j * d_in, (j + 1) * d_in);
          const s = Math.hypot(...row);
          row.forEach((v, c) => (row[c] = v / s));
        }
        const sae = Sae.create(device, { architecture: arch, d_in, d_sae: 32, decoder_init_norm: 0.5, ...archFields(arch, 32, 4), ...TRAIN[arch] }, 12);
        const state = Object.fromEntries(Object.entries(sae.params).map(([k, p]) => [k, { m: Tensor.zeros(device, p.shape), v: Tensor.zeros(device, p.shape) }]));
        const losses: number[] = [];
        for (let step = 1; step <= 50; step++) {
          const x = Tensor.from(device, [64, d_in], toyData(rng, 64, d_in, dirs, n));
          const out = await sae.trainForward(x);
          if (step <= 5 || step > 45) losses.push((await out.loss.read())[0]);
          const grads = sae.backward();
          for (const [k, g] of Object.entries(grads)) adam(sae.params[k], g, state[k].m, state[k].v, { lr: 0.01, step });
          for (const g of Object.values(grads)) g.dispose();
          sae.releaseStep();
          x.dispose();
        }
        const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
        const last = losses.slice(5).reduce((a, b) => a + b) / 5;
        console.log(`${arch}: mean loss steps 1-5 ${first.toFixed(4)}, steps 46-50 ${last.toFixed(4)}`);
        expect(last).toBeLessThan(0.5 * first);
        sae.dispose();
      });
    });
  }
});
