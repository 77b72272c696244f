// latentLists, latentSums, activeIndices and embeddingPacked over one binding (a device capped at 16 KiB per binding:
// 4,096 elements): the pairs (indices, entries), the latents (counts, offsets) or both over it, in windows. The lists
// equal the CPU-built lists (each latent's pairs in pair order) and, like the sums, the uncapped run bit for bit;
// outputs poisoned first; activeIndices and embeddingPacked against the CPU reference (exact: no arithmetic).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device, getDevice } from "../device.ts";
import { PackedMatrix } from "../packed.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { activeIndices } from "./active_indices.ts";
import { embeddingPacked } from "./gather_packed.ts";
import { latentLists, latentSums } from "./latent_lists.ts";

/** Random latents (repeats across rows, some lists long), a few out of range (-1 and d_sae). */
function indicesOf(batch: number, k: number, dSae: number, seed: number): HostTensor<"i32"> {
  const rng = new Rng(seed);
  const data = Int32Array.from({ length: batch * k }, (_, q) => (q % 7 === 3 ? q % 5 : rng.int(dSae)));
  data[1] = -1;
  data[data.length - 2] = dSae;
  return host([batch, k], data, "i32");
}

const bytes = (a: ArrayLike<number> & { buffer: ArrayBufferLike }) => Buffer.from(a.buffer as ArrayBuffer);

describe("latent lists over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 16 * 1024 });
  const plain = await getDevice();
  // [batch, k, d_sae]: pairs over (2 windows, the last short), latents over (offsets 5001 long), both, both large
  const cases = [[700, 9, 300], [20, 5, 5000], [600, 10, 9000], [1100, 13, 20000]] as const;
  for (const [batch, k, dSae] of cases) {
    test(`[batch ${batch}, k ${k}, d_sae ${dSae}]: lists, sums and active indices match`, async () => {
      const hi = indicesOf(batch, k, dSae, batch + k);
      const hv = host([batch, k], randn(batch * k, 3).map((x, q) => (q % 4 === 0 ? -Math.abs(x) : x)));
      const i = Tensor.fromHost(dev, hi);
      expect(Math.max(batch * k, dSae + 1) * 4).toBeGreaterThan(dev.maxBinding);
      const lists = latentLists(i, dSae);
      const [offsets, entries] = [await lists.offsets.read(), await lists.entries.read()];
      const want: number[][] = Array.from({ length: dSae }, () => []);
      hi.data.forEach((latent, q) => latent >= 0 && latent < dSae && want[latent].push(q));
      expect(offsets[0]).toBe(0);
      for (let l = 0; l < dSae; l++) expect([...entries.slice(offsets[l], offsets[l + 1])]).toEqual(want[l]);
      expect(offsets[dSae]).toBe(batch * k - 2);
      // the uncapped lists and sums, bit for bit
      const pi = Tensor.fromHost(plain, hi);
      const pv = Tensor.fromHost(plain, hv);
      const plainLists = latentLists(pi, dSae);
      expect(bytes(await plainLists.offsets.read()).equals(bytes(offsets))).toBe(true);
      const v = Tensor.fromHost(dev, hv);
      const sums = latentSums(v, lists, { out: poison(Tensor.empty(dev, [dSae])) });
      const got = await sums.read();
      assertClose("latentSums", got, cpu.latentSums(hv, hi, dSae).data, 1e-4, 1e-5);
      expect(bytes(got).equals(bytes(await latentSums(pv, plainLists).read()))).toBe(true);
      // activeIndices in element blocks
      const active = activeIndices(v, i, { out: poison(Tensor.empty(dev, [batch, k], "i32")) });
      expect([...(await active.read())]).toEqual([...cpu.activeIndices(hv, hi).data]);
      for (const t of [i, v, sums, active, pi, pv]) t.dispose();
      lists.dispose();
      plainLists.dispose();
    });
  }

  test("embeddingPacked: ids [5000] and out [5000, 9] over one binding, 1 or 6 row chunks, f32 and f16", async () => {
    const [V, D, N] = [23, 9, 5000];
    const rng = new Rng(8);
    const idsH = Int32Array.from({ length: N }, () => rng.int(V));
    for (const format of ["f32", "f16"] as const) {
      for (const maxChunkBytes of [undefined, 40]) {
        const data = randn(V * D, 9);
        const W = PackedMatrix.upload(dev, [V, D], data, format, { maxChunkBytes });
        const table = host([V, D], (await W.read()) as Float32Array);
        const want = cpu.gatherRows(table, host([N], idsH, "i32"));
        const ids = Tensor.from(dev, [N], idsH);
        const out = poison(Tensor.empty(dev, [N, D]));
        expect(ids.byteLength).toBeGreaterThan(dev.maxBinding);
        embeddingPacked(W, ids, { out });
        assertClose(`${format} embeddingPacked (${W.chunks.length} chunks)`, await out.read(), want.data, 0, 0);
        for (const t of [ids, out, W]) t.dispose();
      }
    }
  });
});
