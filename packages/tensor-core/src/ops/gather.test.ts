import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/gather.ts";
import { scatterTopk as cpuScatterTopk } from "../cpu/scatter_topk.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor } from "../tensor.ts";
import { poison, randn } from "../testing.ts";
import { embedding, gatherRows, scatterRows } from "./gather.ts";
import { scatterTopk } from "./scatter_topk.ts";

// Tolerance: gathers and scatters move bits, so results must be exactly equal.

function ids(n: number, range: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(range));
}

describe("gather", () => {
  for (const [V, D, N] of [[1, 1, 1], [50, 3, 7], [1000, 129, 513], [300, 768, 2]]) {
    test(`embedding / gatherRows on table [${V}, ${D}] with ${N} ids match the CPU reference`, async () => {
      const dev = await getDevice();
      const ht = host([V, D], randn(V * D, V + D));
      const hi = host([N], ids(N, V, N), "i32");
      const table = Tensor.fromHost(dev, ht);
      const idx = Tensor.fromHost(dev, hi);
      const out = poison(Tensor.empty(dev, [N, D]));
      expect(embedding(table, idx, { out })).toBe(out);
      expect([...(await out.read())]).toEqual([...cpu.embedding(ht, hi).data]);
      const g = gatherRows(table, idx);
      expect([...(await g.read())]).toEqual([...cpu.gatherRows(ht, hi).data]);
      for (const t of [table, idx, out, g]) t.dispose();
    });
  }

  test("ids of shape [batch, pos] and out-of-range ids (zero rows)", async () => {
    const dev = await getDevice();
    const ht = host([10, 5], randn(50, 1));
    const hi = host([2, 3], new Int32Array([0, 9, -1, 10, 4, 4]), "i32");
    const table = Tensor.fromHost(dev, ht);
    const idx = Tensor.fromHost(dev, hi);
    const out = embedding(table, idx);
    expect(out.shape).toEqual([2, 3, 5]);
    const want = cpu.embedding(ht, hi);
    expect(want.shape).toEqual([2, 3, 5]);
    expect([...(await out.read())]).toEqual([...want.data]);
    for (const t of [table, idx, out]) t.dispose();
  });

  test("scatterRows writes the indexed rows and leaves the others", async () => {
    const dev = await getDevice();
    const [R, C, N] = [97, 33, 40];
    const hd = host([R, C], randn(R * C, 2));
    const perm = new Rng(3).shuffle(Int32Array.from({ length: R }, (_, i) => i)).slice(0, N);
    perm[5] = -2; // skipped
    const hi = host([N], perm, "i32");
    const hs = host([N, C], randn(N * C, 4));
    const dst = Tensor.fromHost(dev, hd);
    const idx = Tensor.fromHost(dev, hi);
    const src = Tensor.fromHost(dev, hs);
    expect(scatterRows(dst, idx, src)).toBe(dst);
    expect([...(await dst.read())]).toEqual([...cpu.scatterRows(hd, hi, hs).data]);
    for (const t of [dst, idx, src]) t.dispose();
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const table = Tensor.empty(dev, [10, 4]);
    const fids = Tensor.empty(dev, [3]);
    const iids = Tensor.empty(dev, [3], "i32");
    expect(() => embedding(table, fids)).toThrow(DTypeError);
    expect(() => gatherRows(Tensor.empty(dev, [40]), iids)).toThrow("src must be [R, C], got [40]");
    expect(() => scatterRows(table, iids, Tensor.empty(dev, [3, 5]))).toThrow(ShapeError);
    expect(() => scatterRows(table, iids, Tensor.empty(dev, [3, 4], "i32"))).toThrow(DTypeError);
  });
});

// Under a forced 16 KiB binding cap (4,096 floats): the table / dst, the index list and its rows over one binding,
// in blocks that are not multiples of 64, with out-of-range indices; exact as above.
describe("gather and scatter over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 16 * 1024 });

  test("gatherRows: table [300, 37] and out [2, 70, 37] over one binding, with -1 and 300 ids", async () => {
    const ht = host([300, 37], randn(300 * 37, 31));
    const ids2 = ids(140, 300, 32);
    [ids2[3], ids2[77], ids2[139]] = [-1, 300, 299];
    const hi = host([2, 70], ids2, "i32");
    const [table, idx] = [Tensor.fromHost(dev, ht), Tensor.fromHost(dev, hi)];
    const out = poison(Tensor.empty(dev, [2, 70, 37]));
    expect(gatherRows(table, idx, { out })).toBe(out);
    expect([...(await out.read())]).toEqual([...cpu.gatherRows(ht, hi).data]);
    for (const t of [table, idx, out]) t.dispose();
  });

  test("embedding: a small table, 5001 ids (out over one binding)", async () => {
    const ht = host([10, 5], randn(50, 33));
    const hi = host([5001], ids(5001, 12, 34), "i32"); // ids 10 and 11 are out of range
    const [table, idx] = [Tensor.fromHost(dev, ht), Tensor.fromHost(dev, hi)];
    const out = poison(Tensor.empty(dev, [5001, 5]));
    embedding(table, idx, { out });
    expect([...(await out.read())]).toEqual([...cpu.embedding(ht, hi).data]);
    for (const t of [table, idx, out]) t.dispose();
  });

  test("scatterRows: dst [300, 37] and src [150, 37] over one binding", async () => {
    const [R, C, N] = [300, 37, 150];
    const hd = host([R, C], randn(R * C, 35));
    const perm = new Rng(36).shuffle(Int32Array.from({ length: R }, (_, i) => i)).slice(0, N);
    [perm[5], perm[100]] = [-2, R]; // skipped
    const hi = host([N], perm, "i32");
    const hs = host([N, C], randn(N * C, 37));
    const [dst, idx, src] = [Tensor.fromHost(dev, hd), Tensor.fromHost(dev, hi), Tensor.fromHost(dev, hs)];
    expect(scatterRows(dst, idx, src)).toBe(dst);
    expect([...(await dst.read())]).toEqual([...cpu.scatterRows(hd, hi, hs).data]);
    for (const t of [dst, idx, src]) t.dispose();
  });

  test("scatterTopk: out [150, 61] over one binding, with -1 and 61 indices", async () => {
    const [rows, cols, k] = [150, 61, 7];
    const rng = new Rng(38);
    const hv = host([rows, k], randn(rows * k, 39));
    const hi = host([rows, k], new Int32Array(rows * k), "i32"); // k distinct columns per row
    const all = Int32Array.from({ length: cols }, (_, i) => i);
    for (let r = 0; r < rows; r++) hi.data.set(rng.shuffle(all.slice()).slice(0, k), r * k);
    [hi.data[4], hi.data[500]] = [-1, cols]; // skipped
    const [values, indices] = [Tensor.fromHost(dev, hv), Tensor.fromHost(dev, hi)];
    const out = poison(Tensor.empty(dev, [rows, cols]));
    expect(out.byteLength).toBeGreaterThan(dev.maxBinding);
    expect(scatterTopk(values, indices, cols, { out })).toBe(out);
    expect([...(await out.read())]).toEqual([...cpuScatterTopk(hv, hi, cols).data]);
    for (const t of [values, indices, out]) t.dispose();
  });
});
