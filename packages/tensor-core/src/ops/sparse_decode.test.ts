import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/sparse_decode.ts";
import { getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { latentLists, latentSums } from "./latent_lists.ts";
import { activeIndices } from "./active_indices.ts";
import { sparseDecode, sparseDecodeBackward, sparseEncoderGrad } from "./sparse_decode.ts";

// Tolerance: f32 sums of k (decode) or up to batch*k (gradients) products against float64: rtol 1e-4, atol 1e-5.
const RTOL = 1e-4;
const ATOL = 1e-5;

/** Distinct latents per row (as topk gives), a few latents popular across rows, optionally one out of range. */
function pickIndices(batch: number, k: number, dSae: number, seed: number, outOfRange = false): HostTensor<"i32"> {
  const rng = new Rng(seed);
  const data = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) {
    const used = new Set<number>();
    for (let j = 0; j < k; j++) {
      let i = j < 2 ? j * 3 : rng.int(dSae); // latents 0 and 3 in every row
      while (used.has(i)) i = rng.int(dSae);
      used.add(i);
      data[b * k + j] = i;
    }
  }
  if (outOfRange) {
    data[5] = dSae;
    data[k + 1] = -1;
  }
  return host([batch, k], data, "i32");
}

describe("sparse SAE paths", () => {
  // d_in not a multiple of 4 runs the scalar kernels, a multiple of 4 the vec4 ones (sparse_rows4/sparse_dots4):
  // one partial block (68, 260), several blocks with a partial last one (2056 = 514 vec4s), k over 64 (dots chunks)
  for (const [batch, k, dSae, dIn] of [[33, 7, 517, 77], [20, 32, 300, 130], [5, 1, 9, 3], [37, 9, 211, 68], [16, 32, 300, 260], [4, 3, 11, 4], [3, 5, 40, 2056], [6, 70, 200, 8]] as const) {
    test(`[batch ${batch}, k ${k}, d_sae ${dSae}, d_in ${dIn}]: decode, decode backward, encoder grad match the CPU reference`, async () => {
      const dev = await getDevice();
      const hv = host([batch, k], randn(batch * k, 1));
      const hi = pickIndices(batch, k, dSae, 2, batch > 5);
      const hW = host([dSae, dIn], randn(dSae * dIn, 3, 0.2));
      const hb = host([dIn], randn(dIn, 4));
      const hg = host([batch, dIn], randn(batch * dIn, 5));
      const hx = host([batch, dIn], randn(batch * dIn, 6));
      const hgw0 = host([dSae, dIn], randn(dSae * dIn, 7, 0.1));
      const [v, i, W, b, g, x] = [hv, hi, hW, hb, hg, hx].map((h) => Tensor.fromHost(dev, h as HostTensor));

      const out = poison(Tensor.empty(dev, [batch, dIn]));
      sparseDecode(v, i, W, { bias: b, out });
      assertClose("sparseDecode", await out.read(), cpu.sparseDecode(hv, hi, hW, { bias: hb }).data, RTOL, ATOL);
      const noBias = sparseDecode(v, i, W);
      assertClose("sparseDecode (no bias)", await noBias.read(), cpu.sparseDecode(hv, hi, hW).data, RTOL, ATOL);

      const gradValues = poison(Tensor.empty(dev, [batch, k]));
      const gradWdec = Tensor.fromHost(dev, hgw0);
      sparseDecodeBackward(g, v, i, W, { gradValues, gradWdec });
      const want = cpu.sparseDecodeBackward(hg, hv, hi, hW, { gradWdec: hgw0 });
      assertClose("gradValues", await gradValues.read(), want.gradValues.data, RTOL, ATOL);
      const gw = await gradWdec.read();
      assertClose("gradWdec", gw, want.gradWdec.data, RTOL, ATOL);

      const gradWenc = poison(Tensor.empty(dev, [dIn, dSae]));
      const gradBenc = poison(Tensor.empty(dev, [dSae]));
      sparseEncoderGrad(x, gradValues, i, dSae, { gradWenc, gradBenc });
      const wantEnc = cpu.sparseEncoderGrad(hx, host([batch, k], await gradValues.read()), hi, dSae);
      assertClose("gradWenc", await gradWenc.read(), wantEnc.gradWenc.data, RTOL, ATOL);
      assertClose("gradBenc", await gradBenc.read(), wantEnc.gradBenc.data, RTOL, ATOL);

      // overwrite (poisoned gradWdec, every row written) and the ReLU mask; fuse false: the two-kernel vec4 path
      const wantMasked = want.gradValues.data.map((gv, q) => (hv.data[q] > 0 ? gv : 0));
      const wantFresh = cpu.sparseDecodeBackward(hg, hv, hi, hW).gradWdec.data;
      for (const fuse of [false, true]) {
        const gvm = poison(Tensor.empty(dev, [batch, k]));
        const gwo = poison(Tensor.empty(dev, [dSae, dIn]));
        sparseDecodeBackward(g, v, i, W, { gradValues: gvm, gradWdec: gwo, overwrite: true, reluMask: true, fuse });
        assertClose(`gradValues (ReLU mask, fuse ${fuse})`, await gvm.read(), wantMasked, RTOL, ATOL);
        assertClose(`gradWdec (overwrite, fuse ${fuse})`, await gwo.read(), wantFresh, RTOL, ATOL);
        gvm.dispose();
        gwo.dispose();
      }
      const gvf = poison(Tensor.empty(dev, [batch, k]));
      const gwf = Tensor.fromHost(dev, hgw0);
      sparseDecodeBackward(g, v, i, W, { gradValues: gvf, gradWdec: gwf, fuse: true });
      assertClose("gradValues (fuse)", await gvf.read(), want.gradValues.data, RTOL, ATOL);
      assertClose("gradWdec (fuse, accumulated)", await gwf.read(), want.gradWdec.data, RTOL, ATOL);
      gvf.dispose();
      gwf.dispose();
      // deterministic: the same sums in the same order give the same bits
      const again = Tensor.fromHost(dev, hgw0);
      sparseDecodeBackward(g, v, i, W, { gradWdec: again });
      expect(Buffer.from((await again.read()).buffer).equals(Buffer.from(gw.buffer))).toBe(true);
      for (const t of [v, i, W, b, g, x, out, noBias, gradValues, gradWdec, gradWenc, gradBenc, again]) t.dispose();
    });
  }

  test("latentLists: per-latent lists of pairs, sorted; latentSums over them", async () => {
    const dev = await getDevice();
    const [batch, k, dSae] = [40, 6, 50];
    const hi = pickIndices(batch, k, dSae, 9, true);
    const lists = latentLists(Tensor.fromHost(dev, hi), dSae);
    const offsets = await lists.offsets.read();
    const entries = await lists.entries.read();
    const want: number[][] = Array.from({ length: dSae }, () => []);
    hi.data.forEach((latent, q) => latent >= 0 && latent < dSae && want[latent].push(q));
    for (let l = 0; l < dSae; l++) expect([...entries.slice(offsets[l], offsets[l + 1])]).toEqual(want[l]);
    expect(offsets[dSae]).toBe(batch * k - 2);
    // latentSums: the column sums of the sparse matrix, out-of-range pairs left out, empty lists 0
    const hv = host([batch, k], randn(batch * k, 10));
    const sums = latentSums(Tensor.fromHost(dev, hv), lists);
    assertClose("latentSums", await sums.read(), cpu.latentSums(hv, hi, dSae).data, RTOL, ATOL);
    expect(() => latentSums(Tensor.zeros(dev, [batch, k + 1]), lists)).toThrow(ShapeError);
    lists.dispose();
  });

  test("activeIndices: -1 where the value is not positive; the sparse kernels then skip those pairs", async () => {
    const dev = await getDevice();
    const [batch, k, dSae, dIn] = [9, 6, 40, 12];
    const raw = randn(batch * k, 12);
    const hv = host([batch, k], raw.map((v) => Math.max(0, v))); // ReLU'd: about half are 0
    const hi = pickIndices(batch, k, dSae, 13);
    const [v, i] = [Tensor.fromHost(dev, hv), Tensor.fromHost(dev, hi)];
    const active = activeIndices(v, i);
    const want = cpu.activeIndices(hv, hi);
    expect([...(await active.read())]).toEqual([...want.data]);
    expect([...want.data].filter((x) => x === -1).length).toBeGreaterThan(10);
    // the same decode and gradients as with every pair (the dropped ones have value 0)
    const hW = host([dSae, dIn], randn(dSae * dIn, 14));
    const hg = host([batch, dIn], randn(batch * dIn, 15));
    const [W, g] = [Tensor.fromHost(dev, hW), Tensor.fromHost(dev, hg)];
    assertClose("decode", await sparseDecode(v, active, W).read(), cpu.sparseDecode(hv, hi, hW).data, RTOL, ATOL);
    const back = sparseDecodeBackward(g, v, active, W);
    const wantBack = cpu.sparseDecodeBackward(hg, hv, hi, hW);
    assertClose("gradWdec", await back.gradWdec.read(), wantBack.gradWdec.data, RTOL, ATOL);
    const gv = await back.gradValues.read();
    const wv = wantBack.gradValues.data;
    gv.forEach((x, q) => expect(x).toBeCloseTo(want.data[q] === -1 ? 0 : wv[q], 4));
    expect(() => activeIndices(i, i)).toThrow(DTypeError);
  });

  test("bad arguments throw typed errors", async () => {
    const dev = await getDevice();
    const v = Tensor.zeros(dev, [3, 2]);
    const i = Tensor.zeros(dev, [3, 2], "i32");
    const W = Tensor.zeros(dev, [10, 4]);
    expect(() => sparseDecode(v, v, W)).toThrow(DTypeError);
    expect(() => sparseDecode(v, Tensor.zeros(dev, [3, 3], "i32"), W)).toThrow(ShapeError);
    expect(() => sparseDecode(v, i, W, { bias: Tensor.zeros(dev, [5]) })).toThrow(ShapeError);
    expect(() => sparseDecodeBackward(Tensor.zeros(dev, [3, 5]), v, i, W)).toThrow(ShapeError);
    expect(() => sparseEncoderGrad(Tensor.zeros(dev, [4, 4]), v, i, 10)).toThrow(ShapeError);
    expect(() => sparseDecodeBackward(Tensor.zeros(dev, [3, 4]), v, i, W, { gradWdec: Tensor.zeros(dev, [10, 5]) })).toThrow(ShapeError);
  });
});
