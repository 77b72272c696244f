// A Gemma Scope SAE at its real size through the registry: gemma-scope-2b-pt-res's embedding/width_4k/average_l0_6
// (d_in 2304 and d_sae 4096 come from the names, as in SAELens) as a params.npz (fflate zip of .npy files, stored)
// built here and served by a loopback hub. Checks the cfg from names, the embedding rescale (W_enc / 48, W_dec * 48;
// sqrt(2304) = 48) and encode against a CPU JumpReLU on the file's own arrays.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice, Tensor } from "@sae/tensor-core";
import { Sae } from "../sae.ts";
import { loadPretrainedSae } from "../pretrained_files.ts";

const [D_IN, D_SAE] = [2304, 4096];
const PATH = "embedding/width_4k/average_l0_6";
let server: Loopback;
let endpoint = "";
let npz: Uint8Array;

function npy(shape: number[], data: Float32Array): Uint8Array {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  h += " ".repeat(63 - ((10 + h.length) % 64)) + "\n";
  const out = new Uint8Array(10 + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  out.set(new TextEncoder().encode(h), 10);
  out.set(new Uint8Array(data.buffer), 10 + h.length);
  return out;
}

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((Math.imul(i + seed, 2654435761) >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  return out;
}

const W_enc = values(D_IN * D_SAE, 1, 0.5); // [d_in, d_sae]
const W_dec = values(D_SAE * D_IN, 2, 0.1); // [d_sae, d_in]
const b_enc = values(D_SAE, 3, 0.05);
const b_dec = values(D_IN, 4, 0.05);
const threshold = values(D_SAE, 5, 0.1).map(Math.abs);

beforeAll(async () => {
  const arrays = { W_enc: npy([D_IN, D_SAE], W_enc), W_dec: npy([D_SAE, D_IN], W_dec), b_enc: npy([D_SAE], b_enc) };
  const more = { b_dec: npy([D_IN], b_dec), threshold: npy([D_SAE], threshold) };
  const entries = Object.fromEntries(Object.entries({ ...arrays, ...more }).map(([k, v]) => [`${k}.npy`, v]));
  npz = zipSync(entries, { level: 0 });
  const hub = fakeHub("3".repeat(40));
  hub.put("google/gemma-scope-2b-pt-res", `${PATH}/params.npz`, npz);
  server = await serveLoopback(hub.handle);
  endpoint = server.url;
});

afterAll(() => server.close());

describe("Gemma Scope at its real size", () => {
  test("gemma-scope-2b-pt-res embedding/width_4k: 2304 x 4096 from the names, rescaled, encodes", async () => {
    const device = await getDevice();
    const cacheDir = mkdtempSync(join(tmpdir(), "sae-hub-"));
    const sae = await loadPretrainedSae("gemma-scope-2b-pt-res", PATH, device, { cacheDir, endpoint });
    expect(sae.cfg).toMatchObject({ architecture: "jumprelu", d_in: D_IN, d_sae: D_SAE, hook_name: "hook_embed" });
    expect(sae.cfg).toMatchObject({ model_name: "gemma-2-2b", apply_b_dec_to_input: false, context_size: 1024 });
    const enc = (await sae.W_enc.read()) as Float32Array;
    for (const i of [0, 1, 4097, D_IN * D_SAE - 1]) expect(enc[i]).toBe(Math.fround(W_enc[i] / 48));
    const dec = (await sae.W_dec.read()) as Float32Array;
    for (const i of [0, 77, D_IN * D_SAE - 1]) expect(dec[i]).toBe(Math.fround(W_dec[i] * 48));
    const B = 2;
    const x = values(B * D_IN, 9, 3);
    const xt = Tensor.from(device, [B, D_IN], x);
    const f = (await (await sae.encode(xt)).read()) as Float32Array;
    let active = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < D_SAE; i++) {
        let pre = b_enc[i];
        for (let j = 0; j < D_IN; j++) pre += x[b * D_IN + j] * Math.fround(W_enc[j * D_SAE + i] / 48);
        const want = pre > threshold[i] ? pre : 0;
        if (Math.abs(pre - threshold[i]) < 1e-4) continue; // too close to the threshold to call
        expect(Math.abs(f[b * D_SAE + i] - want)).toBeLessThan(1e-4 + 1e-4 * Math.abs(want));
        if (want > 0) active++;
      }
    }
    expect(active).toBeGreaterThan(100);
    xt.dispose();
    sae.dispose();
  });
});
