// Sae-level behaviour: initialisation, b_dec initialisers (mean, geometric median), activation-norm scaling and
// its fold on save, decoder normalisation, forward with the error term, and config parsing/validation.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { configFromSaeLens, makeConfig } from "./config.ts";
import { SaeConfigError } from "./errors.ts";
import { activationNormScale, geometricMedian, meanOf } from "./init.ts";
import { Sae } from "./sae.ts";
import { loadSae } from "./load.ts";
import { saveSae } from "./checkpoint.ts";

function sumDist(points: Float32Array, d: number, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < points.length / d; i++) s += Math.hypot(...Array.from({ length: d }, (_, c) => points[i * d + c] - y[c]));
  return s;
}

describe("Sae", () => {
  test("init: W_dec rows have decoder_init_norm, W_enc = W_dec^T, biases zero, jumprelu log_threshold", async () => {
    const device = await getDevice();
    const sae = Sae.create(device, { architecture: "jumprelu", d_in: 7, d_sae: 19, decoder_init_norm: 0.3, jumprelu_init_threshold: 0.002 }, 3);
    const h = await sae.toHost();
    for (let i = 0; i < 19; i++) expect(Math.hypot(...h.W_dec.subarray(i * 7, i * 7 + 7))).toBeCloseTo(0.3, 6);
    for (let i = 0; i < 19; i++) for (let c = 0; c < 7; c++) expect(h.W_enc[c * 19 + i]).toBe(h.W_dec[i * 7 + c]);
    expect(h.b_enc.every((v) => v === 0) && h.b_dec.every((v) => v === 0)).toBe(true);
    expect(h.log_threshold.every((v) => Math.abs(v - Math.log(0.002)) < 1e-6)).toBe(true);
    sae.dispose();
  });

  test("b_dec init: the geometric median minimises the summed distance (1-D: the middle point)", () => {
    const line = Float32Array.of(0, 1, 2, 10, 11);
    expect(geometricMedian(line, 1, 500, 1e-9)[0]).toBeCloseTo(2, 3);
    expect(meanOf(line, 1)[0]).toBeCloseTo(4.8, 5);
    const rng = new Rng(4);
    const pts = rng.normalArray(200 * 5);
    for (let i = 0; i < 20; i++) pts[i * 5] += 40; // outliers pull the mean, not the median
    const gm = geometricMedian(pts, 5);
    const best = sumDist(pts, 5, gm);
    expect(best).toBeLessThan(sumDist(pts, 5, meanOf(pts, 5)));
    for (let t = 0; t < 20; t++) {
      const nudged = Array.from(gm, (v) => v + 0.05 * rng.normal());
      expect(best).toBeLessThanOrEqual(sumDist(pts, 5, nudged) + 1e-6);
    }
  });

  test("expected_average_only_in: inputs scaled to norm sqrt(d_in); the scale is folded into the saved weights", async () => {
    const device = await getDevice();
    const xs = new Rng(6).normalArray(11 * 6, 7);
    const s = activationNormScale(xs, 6);
    let mean = 0;
    for (let i = 0; i < 11; i++) mean += Math.hypot(...xs.subarray(i * 6, i * 6 + 6).map((v) => v * s)) / 11;
    expect(mean).toBeCloseTo(Math.sqrt(6), 5);
    const sae = Sae.create(device, { d_in: 6, d_sae: 10, normalize_activations: "expected_average_only_in", decoder_init_norm: 1 }, 2);
    sae.activationScale = s;
    const x = Tensor.from(device, [11, 6], xs);
    const f = await (await sae.encode(x)).read();
    const out = await (await sae.forward(x)).read();
    const dir = mkdtempSync(join(tmpdir(), "sae-norm-"));
    await saveSae(sae, dir);
    expect(JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8")).normalize_activations).toBe("none");
    const back = loadSae(dir, device);
    assertClose("acts after fold", await (await back.encode(x)).read(), f, 1e-5, 1e-5);
    assertClose("reconstruction after fold", await (await back.forward(x)).read(), out, 1e-5, 1e-5);
    sae.dispose();
    back.dispose();
  });

  test("normalizeDecoder gives unit rows; forward with the error term returns x", async () => {
    const device = await getDevice();
    const sae = Sae.create(device, { d_in: 9, d_sae: 14, decoder_init_norm: 2.5 }, 5);
    sae.normalizeDecoder();
    const w = await sae.W_dec.read();
    for (let i = 0; i < 14; i++) expect(Math.hypot(...w.subarray(i * 9, i * 9 + 9))).toBeCloseTo(1, 5);
    const xs = new Rng(1).normalArray(4 * 9);
    const x = Tensor.from(device, [4, 9], xs);
    assertClose("x_hat + (x - x_hat)", await (await sae.forward(x, { errorTerm: true })).read(), xs, 1e-6, 1e-6);
    sae.dispose();
  });

  test("config: unknown keys rejected, old topk spelling read, k required for topk", () => {
    expect(() => makeConfig({ d_in: 4, d_sae: 8, l1_coeficient: 1 } as never)).toThrow(/unknown key 'l1_coeficient'/);
    expect(() => makeConfig({ d_in: 4, d_sae: 8, architecture: "topk" })).toThrow(/field 'k' must be a positive integer/);
    const { cfg } = configFromSaeLens({ d_in: 4, d_sae: 8, activation_fn_str: "topk", activation_fn_kwargs: { k: 3 }, hook_point: "blocks.2.hook_resid_post" });
    expect([cfg.architecture, cfg.k, cfg.hook_name, cfg.hook_layer]).toEqual(["topk", 3, "blocks.2.hook_resid_post", 2]);
    expect(() => configFromSaeLens({ d_in: 0, d_sae: 8 }, "x/cfg.json")).toThrow(SaeConfigError);
    expect(() => configFromSaeLens({ d_in: 4, d_sae: 8, normalize_activations: "sometimes" }, "x/cfg.json")).toThrow(/x\/cfg\.json: field 'normalize_activations'/);
  });
});
