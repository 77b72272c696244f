// sparseDecode with W_dec, the pairs or out over one binding (a device capped at 16 KiB per binding: 4,096 floats):
// passes over blocks of W_dec's latent rows within blocks of batch rows, against the CPU reference with out
// poisoned first; scalar (d_in not a multiple of 4) and vec4 kernels, with and without the bias, indices out of
// range; sparseDecodeBackward with W_dec / gradWdec over one binding (accumulating, overwriting, ReLU mask);
// sparseEncoderGrad with gradWenc over one binding; both with gradOut / x and the pairs over one binding (batch
// blocks).
// Tolerance as in sparse_decode.test.ts: f32 sums of k (decode) or up to batch*k products against float64,
// rtol 1e-4, atol 1e-5.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/sparse_decode.ts";
import { Device } from "../device.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { sparseDecode, sparseDecodeBackward, sparseEncoderGrad } from "./sparse_decode.ts";

/** Distinct latents per row, spread over every block of W_dec; two out of range ([0] = d_sae, [k + 1] = -1). */
function pickIndices(batch: number, k: number, dSae: number, seed: number): HostTensor<"i32"> {
  const rng = new Rng(seed);
  const data = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) {
    const used = new Set<number>();
    for (let j = 0; j < k; j++) {
      let i = j === 0 ? dSae - 1 : rng.int(dSae);
      while (used.has(i)) i = rng.int(dSae);
      used.add(i);
      data[b * k + j] = i;
    }
  }
  data[0] = dSae;
  data[k + 1] = -1;
  return host([batch, k], data, "i32");
}

/** Backward inputs from seeds seed .. seed + 4: values [batch, k], indices [batch, k], W_dec [d_sae, d_in], gradOut
 * [batch, d_in] and a gradWdec [d_sae, d_in] to accumulate into. */
function backwardInputs(batch: number, k: number, dSae: number, dIn: number, seed: number) {
  return {
    hv: host([batch, k], randn(batch * k, seed)),
    hi: pickIndices(batch, k, dSae, seed + 1),
    hW: host([dSae, dIn], randn(dSae * dIn, seed + 2, 0.2)),
    hg: host([batch, dIn], randn(batch * dIn, seed + 3)),
    hgw0: host([dSae, dIn], randn(dSae * dIn, seed + 4, 0.1)),
  };
}

describe("sparseDecode over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 16 * 1024 });
  // [batch, k, d_sae, d_in]: W over (3 and 5 latent blocks), out over (3 batch blocks), both, pairs over
  const cases = [[33, 7, 517, 13], [150, 9, 300, 52], [150, 5, 40, 61], [70, 60, 200, 8], [5, 3, 1100, 4]] as const;
  for (const [batch, k, dSae, dIn] of cases) {
    test(`[batch ${batch}, k ${k}, d_sae ${dSae}, d_in ${dIn}] matches the CPU reference`, async () => {
      const hv = host([batch, k], randn(batch * k, 1));
      const hi = pickIndices(batch, k, dSae, 2);
      const hW = host([dSae, dIn], randn(dSae * dIn, 3, 0.2));
      const hb = host([dIn], randn(dIn, 4));
      const [v, i, W, b] = [hv, hi, hW, hb].map((h) => Tensor.fromHost(dev, h as HostTensor));
      const out = poison(Tensor.empty(dev, [batch, dIn]));
      expect([v, i, W, out].some((t) => t.byteLength > dev.maxBinding)).toBe(true);
      expect(sparseDecode(v, i, W, { bias: b, out })).toBe(out);
      assertClose("sparseDecode", await out.read(), cpu.sparseDecode(hv, hi, hW, { bias: hb }).data, 1e-4, 1e-5);
      poison(out);
      sparseDecode(v, i, W, { out });
      assertClose("sparseDecode (no bias)", await out.read(), cpu.sparseDecode(hv, hi, hW).data, 1e-4, 1e-5);
      for (const t of [v, i, W, b, out]) t.dispose();
    });
  }

  // [batch, k, d_sae, d_in]: W_dec over one binding in 3 / 5 latent blocks (a short last one), scalar and vec4
  for (const [batch, k, dSae, dIn] of [[33, 7, 517, 13], [40, 9, 300, 52], [20, 4, 1100, 4]] as const) {
    test(`backward [batch ${batch}, k ${k}, d_sae ${dSae}, d_in ${dIn}] matches the CPU reference`, async () => {
      const { hv, hi, hW, hg, hgw0 } = backwardInputs(batch, k, dSae, dIn, 11);
      const [v, i, W, g] = [hv, hi, hW, hg].map((h) => Tensor.fromHost(dev, h as HostTensor));
      expect(W.byteLength).toBeGreaterThan(dev.maxBinding);
      for (const mode of ["accumulate", "overwrite", "reluMask"] as const) {
        const gradValues = poison(Tensor.empty(dev, [batch, k]));
        const gradWdec = mode === "overwrite" ? poison(Tensor.empty(dev, [dSae, dIn])) : Tensor.fromHost(dev, hgw0);
        const reluMask = mode === "reluMask";
        sparseDecodeBackward(g, v, i, W, { gradValues, gradWdec, overwrite: mode === "overwrite", reluMask });
        const want = cpu.sparseDecodeBackward(hg, hv, hi, hW, mode === "overwrite" ? {} : { gradWdec: hgw0 });
        const wantValues = Float32Array.from(want.gradValues.data, (x, q) => (reluMask && !(hv.data[q] > 0) ? 0 : x));
        assertClose(`gradValues (${mode})`, await gradValues.read(), wantValues, 1e-4, 1e-5);
        assertClose(`gradWdec (${mode})`, await gradWdec.read(), want.gradWdec.data, 1e-4, 1e-5);
        for (const t of [gradValues, gradWdec]) t.dispose();
      }
      for (const t of [v, i, W, g]) t.dispose();
    });
  }

  // everything fits but the fused path's [batch * k, 64] lane parts (38,400 bytes): the unfused vec4 pair runs
  test("backward with only the lane parts over one binding matches the CPU reference", async () => {
    const [batch, k, dSae, dIn] = [30, 5, 50, 16];
    const { hv, hi, hW, hg } = backwardInputs(batch, k, dSae, dIn, 31);
    const [v, i, W, g] = [hv, hi, hW, hg].map((h) => Tensor.fromHost(dev, h as HostTensor));
    expect(batch * k * 64 * 4).toBeGreaterThan(dev.maxBinding);
    const gradValues = poison(Tensor.empty(dev, [batch, k]));
    const gradWdec = poison(Tensor.empty(dev, [dSae, dIn]));
    sparseDecodeBackward(g, v, i, W, { gradValues, gradWdec, overwrite: true });
    const want = cpu.sparseDecodeBackward(hg, hv, hi, hW);
    assertClose("gradValues", await gradValues.read(), want.gradValues.data, 1e-4, 1e-5);
    assertClose("gradWdec", await gradWdec.read(), want.gradWdec.data, 1e-4, 1e-5);
    for (const t of [v, i, W, g, gradValues, gradWdec]) t.dispose();
  });

  // gradOut / x and the pairs over one binding: blocks of batch rows (within them, latent blocks when W_dec is over)
  for (const [batch, k, dSae, dIn] of [[300, 5, 70, 20], [200, 9, 300, 52], [150, 40, 64, 7]] as const) {
    test(`batch blocks [batch ${batch}, k ${k}, d_sae ${dSae}, d_in ${dIn}]: both gradients match the CPU reference`, async () => {
      const { hv, hi, hW, hg, hgw0 } = backwardInputs(batch, k, dSae, dIn, 41);
      const [v, i, W, g] = [hv, hi, hW, hg].map((h) => Tensor.fromHost(dev, h as HostTensor));
      expect(Math.max(g.byteLength, v.byteLength)).toBeGreaterThan(dev.maxBinding);
      for (const mode of ["accumulate", "overwrite"] as const) {
        const gradValues = poison(Tensor.empty(dev, [batch, k]));
        const gradWdec = mode === "overwrite" ? poison(Tensor.empty(dev, [dSae, dIn])) : Tensor.fromHost(dev, hgw0);
        sparseDecodeBackward(g, v, i, W, { gradValues, gradWdec, overwrite: mode === "overwrite" });
        const want = cpu.sparseDecodeBackward(hg, hv, hi, hW, mode === "overwrite" ? {} : { gradWdec: hgw0 });
        assertClose(`gradValues (${mode})`, await gradValues.read(), want.gradValues.data, 1e-4, 1e-5);
        assertClose(`gradWdec (${mode})`, await gradWdec.read(), want.gradWdec.data, 1e-4, 1e-5);
        for (const t of [gradValues, gradWdec]) t.dispose();
      }
      // the encoder gradient with x [batch, d_in] (the same shape as gradOut) over one binding
      const gradWenc = poison(Tensor.empty(dev, [dIn, dSae]));
      const gradBenc = poison(Tensor.empty(dev, [dSae]));
      if (dSae * 4 * 64 > dev.maxBinding && gradWenc.byteLength > dev.maxBinding) {
        // gradWenc [52, 300] splits only in blocks of 64 rows of d_sae: a typed error names them
        expect(() => sparseEncoderGrad(g, v, i, dSae, { gradWenc, gradBenc })).toThrow("64 rows of 1200 bytes do not fit");
        for (const t of [v, i, W, g, gradWenc, gradBenc]) t.dispose();
        return;
      }
      sparseEncoderGrad(g, v, i, dSae, { gradWenc, gradBenc });
      const want = cpu.sparseEncoderGrad(hg, hv, hi, dSae);
      assertClose("gradWenc", await gradWenc.read(), want.gradWenc.data, 1e-4, 1e-5);
      assertClose("gradBenc", await gradBenc.read(), want.gradBenc.data, 1e-4, 1e-5);
      for (const t of [v, i, W, g, gradWenc, gradBenc]) t.dispose();
    });
  }

  // gradWenc [d_in, d_sae] over one binding: blocks of 64 of its rows, the last short; d_in 130 and 132 (vec4 size)
  for (const [batch, k, dSae, dIn] of [[25, 5, 60, 130], [19, 6, 57, 132]] as const) {
    test(`encoder grad [batch ${batch}, k ${k}, d_sae ${dSae}, d_in ${dIn}] matches the CPU reference`, async () => {
      const hx = host([batch, dIn], randn(batch * dIn, 21));
      const hgv = host([batch, k], randn(batch * k, 22));
      const hi = pickIndices(batch, k, dSae, 23);
      const [x, gv, i] = [hx, hgv, hi].map((h) => Tensor.fromHost(dev, h as HostTensor));
      const gradWenc = poison(Tensor.empty(dev, [dIn, dSae]));
      const gradBenc = poison(Tensor.empty(dev, [dSae]));
      expect(gradWenc.byteLength).toBeGreaterThan(dev.maxBinding);
      sparseEncoderGrad(x, gv, i, dSae, { gradWenc, gradBenc });
      const want = cpu.sparseEncoderGrad(hx, hgv, hi, dSae);
      assertClose("gradWenc", await gradWenc.read(), want.gradWenc.data, 1e-4, 1e-5);
      assertClose("gradBenc", await gradBenc.read(), want.gradBenc.data, 1e-4, 1e-5);
      for (const t of [x, gv, i, gradWenc, gradBenc]) t.dispose();
    });
  }
});
