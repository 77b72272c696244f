// Pair rows (pair_rows.ts) against a host reference: pairs [P, W] whose extra rows (three rounds, rows with 2, 3 and
// 4 pair rows) continue their batch rows; decodeRows sums each batch row's pairs (bias once), expandRows reads each
// pair row's batch row, denseRows scatters every pair into its batch row. Uncapped and with bindings capped at
// 16 KiB (dense acts [201, 64] over one binding: scattered in row blocks; the extra pair rows start unaligned).
import { expect, test } from "bun:test";
import { Device, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { decodeRows, denseRows, expandRows, pairRows } from "./pair_rows.ts";

const [B, W, D_IN, D_SAE] = [201, 5, 8, 64];
const ROUNDS = [[1, 4, 9, 130], [4, 130], [130]]; // rows 1, 9: two pair rows; 4: three; 130: four

for (const cap of [0, 16384]) {
  test(`pair rows: decode, expand and dense acts match the host${cap ? ` (bindings capped at ${cap} bytes)` : ""}`,
    async () => {
      const device = await Device.create(cap ? { maxBindingBytes: cap } : {});
      const rowOf = [...Array.from({ length: B }, (_, r) => r), ...ROUNDS.flat()];
      const P = rowOf.length;
      const rng = new Rng(3);
      // each batch row's pairs take distinct latents (a permutation), some left unused (-1, value 0)
      const perms = Array.from({ length: B }, () => {
        const p = Array.from({ length: D_SAE }, (_, i) => i);
        for (let i = D_SAE - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [p[i], p[j]] = [p[j], p[i]];
        }
        return p;
      });
      const used = new Array<number>(B).fill(0);
      const idx = new Int32Array(P * W);
      const val = new Float32Array(P * W);
      for (let i = 0; i < P * W; i++) {
        const r = rowOf[Math.floor(i / W)];
        if (rng.next() < 0.2) [idx[i], val[i]] = [-1, 0];
        else [idx[i], val[i]] = [perms[r][used[r]++], rng.next() + 0.1];
      }
      const wDec = Float32Array.from(rng.normalArray(D_SAE * D_IN, 1));
      const bias = Float32Array.from(rng.normalArray(D_IN, 1));
      const t = Float32Array.from(rng.normalArray(B * D_IN, 1));
      const [values, indices] = [Tensor.from(device, [P, W], val), Tensor.from(device, [P, W], idx)];
      const [wT, biasT, tT] = [Tensor.from(device, [D_SAE, D_IN], wDec), Tensor.from(device, [D_IN], bias),
        Tensor.from(device, [B, D_IN], t)];
      const rows = pairRows(device, B, ROUNDS);
      expect(Array.from(await (rows.rowOf as Tensor).read())).toEqual(rowOf);

      const wantOut = new Float64Array(B * D_IN);
      const wantDense = new Float64Array(B * D_SAE);
      for (let r = 0; r < B; r++) for (let c = 0; c < D_IN; c++) wantOut[r * D_IN + c] = bias[c];
      for (let i = 0; i < P * W; i++) {
        if (idx[i] < 0) continue;
        const r = rowOf[Math.floor(i / W)];
        wantDense[r * D_SAE + idx[i]] = val[i];
        for (let c = 0; c < D_IN; c++) wantOut[r * D_IN + c] += val[i] * wDec[idx[i] * D_IN + c];
      }
      const out = decodeRows(rows, values, indices, wT, biasT);
      expect(out.shape).toEqual([B, D_IN]);
      assertClose("decodeRows", await out.read(), wantOut, 1e-5, 1e-5);
      const ex = expandRows(rows, tT);
      expect(ex.shape).toEqual([P, D_IN]);
      const wantEx = Float32Array.from({ length: P * D_IN }, (_, i) =>
        t[rowOf[Math.floor(i / D_IN)] * D_IN + (i % D_IN)]);
      expect(await ex.read()).toEqual(wantEx);
      const dense = denseRows(rows, values, indices, D_SAE);
      expect(Array.from(await dense.read())).toEqual(Array.from(wantDense, (v) => Math.fround(v)));
      for (const x of [values, indices, wT, biasT, tT, out, ex, dense]) x.dispose();
      rows.dispose();
    }, 120_000);
}
