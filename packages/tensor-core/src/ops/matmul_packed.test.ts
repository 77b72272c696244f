// matmulPacked and embeddingPacked against the CPU references (cpu.matmul / cpu.gather on the values the packed
// words hold: packed.ts unpackRows) for f32, f16 and bf16 weights: awkward sizes (odd columns pad the last word),
// both weight layouts, bias, alpha with accumulate, poisoned outputs, and weights split into many row chunks by a
// forced small binding limit (the vocab-chunked unembedding and embedding of models bigger than one binding; for a
// [K, N] weight, chunks of k accumulated). On llvmpipe "auto" runs the lanes kernel (matmul_packed_lanes.wgsl): the
// sizes cover its 1-, 8- and 32-row blocks, vector loads (aligned rows) and scalar ones (odd K or N), and k chunks that
// mix both; the generic kernel (matmul_packed.wgsl, what GPUs run) is checked by name on the same kind of sizes.
// Also: uploads round to nearest even exactly as io/half.ts does, and read() gives those values back.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { getDevice } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { f32ToBf16Array, f32ToF16Array, bf16ToF32Array, f16ToF32Array } from "../io/half.ts";
import { PackedMatrix, type PackedFormat } from "../packed.ts";
import { Tensor, host } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { embeddingPacked } from "./gather_packed.ts";
import { matmulVariants } from "./matmul.ts";
import { matmulPacked, matmulPackedVariant, type MatmulPackedVariant } from "./matmul_packed.ts";

const FORMATS: PackedFormat[] = ["f32", "f16", "bf16"];
let seed = 700;

/** The values a format stores for data. */
function rounded(format: PackedFormat, data: Float32Array): Float32Array {
  if (format === "f32") return data;
  return format === "f16" ? f16ToF32Array(f32ToF16Array(data)) : bf16ToF32Array(f32ToBf16Array(data));
}

describe("packed weights", async () => {
  const dev = await getDevice();

  test("upload rounds as io/half.ts and read() returns those values, chunked or not", async () => {
    for (const format of FORMATS) {
      for (const maxChunkBytes of [undefined, 64]) {
        const data = randn(13 * 7, seed++);
        const W = PackedMatrix.upload(dev, [13, 7], data, format, { maxChunkBytes });
        expect(W.chunks.length).toBe(maxChunkBytes ? Math.ceil(13 / Math.floor(64 / (format === "f32" ? 28 : 16))) : 1);
        expect(W.byteLength).toBe(13 * (format === "f32" ? 28 : 16));
        assertClose(`${format} read`, await W.read(), rounded(format, data), 0, 0);
        W.dispose();
      }
    }
  });

  /** x [B, P, K] @ W (+ bias) by `variant` against the CPU reference on the rounded weights, output poisoned. */
  async function checkProduct(variant: MatmulPackedVariant, format: PackedFormat, transB: boolean, size: number[]) {
    const [B, P, K, N, chunkBytes] = size;
    const x = host([B, P, K], randn(B * P * K, seed++));
    const wData = randn(K * N, seed++);
    const shape = transB ? [N, K] : [K, N];
    const biasH = host([N], randn(N, seed++));
    const W = PackedMatrix.upload(dev, shape, wData, format, { maxChunkBytes: chunkBytes || undefined });
    if (chunkBytes) expect(W.chunks.length).toBeGreaterThan(3);
    const want = cpu.matmul(host([B * P, K], x.data), host(shape, rounded(format, wData)), { transB, bias: biasH });
    const gx = Tensor.fromHost(dev, x);
    const bias = Tensor.fromHost(dev, biasH);
    const out = poison(Tensor.empty(dev, [B, P, N]));
    expect(matmulPackedVariant(gx, W, { transB, bias, out }, variant) as Tensor).toBe(out);
    const what = `${variant} ${format} ${transB ? "[N,K]" : "[K,N]"} ${B}x${P}x${K}x${N} chunks ${W.chunks.length}`;
    assertClose(what, await out.read(), want.data, 1e-5, 1e-5 * Math.sqrt(K));
    for (const t of [gx, bias, out, W]) t.dispose();
  }

  test("matmulPacked = CPU matmul on the stored values: formats, layouts, odd sizes, bias, chunks", async () => {
    // [B, P, K, N, chunk bytes]: odd K and N; 1 x 1; aligned rows (vector loads); 6 rows (the 8-row block) in
    // chunks, whose k chunks start on and off a multiple of 4 (vector and scalar loads in one product)
    const sizes = [[2, 5, 37, 29, 0], [1, 1, 1, 1, 0], [3, 7, 64, 132, 0], [2, 3, 36, 104, 512]];
    for (const format of FORMATS) {
      for (const transB of [false, true]) {
        for (const size of sizes) await checkProduct("auto", format, transB, size);
      }
    }
  });

  test("at model-like sizes: partial row and column blocks, decode rows, both kernels where they run", async () => {
    const variants: MatmulPackedVariant[] = matmulVariants(dev).includes("lanes") ? ["generic", "lanes"] : ["generic"];
    for (const variant of variants) {
      for (const transB of [false, true]) {
        for (const size of [[1, 33, 96, 200, 0], [1, 5, 96, 200, 0], [1, 1, 96, 200, 0]]) {
          await checkProduct(variant, "f16", transB, size);
        }
      }
    }
  });

  test("the generic kernel (what GPUs run) by name: formats, layouts, odd sizes, chunks", async () => {
    for (const format of FORMATS) {
      for (const transB of [false, true]) {
        for (const size of [[2, 5, 37, 29, 0], [2, 3, 36, 104, 512]]) {
          await checkProduct("generic", format, transB, size);
        }
      }
    }
  });

  test("alpha with accumulate adds alpha * x W to out", async () => {
    for (const format of FORMATS) {
      const [M, K, N] = [9, 21, 17];
      const x = host([M, K], randn(M * K, seed++));
      const wData = randn(N * K, seed++);
      const init = host([M, N], randn(M * N, seed++));
      const want = cpu.matmul(x, host([N, K], rounded(format, wData)), {
        transB: true, alpha: 0.5, accumulate: true, out: host([M, N], init.data.slice()),
      });
      const W = PackedMatrix.upload(dev, [N, K], wData, format, { maxChunkBytes: 200 });
      const Wk = PackedMatrix.upload(dev, [K, N], wData, format, { maxChunkBytes: 200 }); // [K, N], k chunks
      const wantK = cpu.matmul(x, host([K, N], rounded(format, wData)), {
        alpha: 0.5, accumulate: true, out: host([M, N], init.data.slice()),
      });
      const gx = Tensor.fromHost(dev, x);
      const out = Tensor.fromHost(dev, init);
      matmulPacked(gx, W, { transB: true, alpha: 0.5, accumulate: true, out });
      assertClose(`${format} accumulate`, await out.read(), want.data, 1e-5, 1e-5 * Math.sqrt(K));
      const outK = Tensor.fromHost(dev, init);
      matmulPacked(gx, Wk, { alpha: 0.5, accumulate: true, out: outK });
      expect(Wk.chunks.length).toBeGreaterThan(1);
      assertClose(`${format} accumulate, k chunks`, await outK.read(), wantK.data, 1e-5, 1e-5 * Math.sqrt(K));
      for (const t of [gx, out, outK, W, Wk]) t.dispose();
    }
  });

  test("embeddingPacked = CPU gather on the stored values, one row chunk or many", async () => {
    for (const format of FORMATS) {
      for (const maxChunkBytes of [undefined, 40]) {
        const [V, D] = [23, 9];
        const data = randn(V * D, seed++);
        const idsH = [0, 22, 5, 5, 11, 1, 21];
        const want = cpu.gatherRows(host([V, D], rounded(format, data)), host([7], Int32Array.from(idsH), "i32"));
        const W = PackedMatrix.upload(dev, [V, D], data, format, { maxChunkBytes });
        const ids = Tensor.from(dev, [7], Int32Array.from(idsH));
        const out = poison(Tensor.empty(dev, [7, D]));
        embeddingPacked(W, ids, { out });
        assertClose(`${format} gather chunks ${W.chunks.length}`, await out.read(), want.data, 0, 0);
        for (const t of [ids, out, W]) t.dispose();
      }
    }
  });

  test("bad inputs are typed errors naming shapes", () => {
    const W = PackedMatrix.upload(dev, [4, 6], randn(24, seed++), "f16", { maxChunkBytes: 24 });
    const x = Tensor.zeros(dev, [2, 5]);
    expect(() => matmulPacked(x, W, { transB: true })).toThrow(ShapeError);
    expect(() => PackedMatrix.upload(dev, [4, 6], randn(24, 1), "f32", { maxChunkBytes: 8 })).toThrow(LimitError);
    expect(() => PackedMatrix.upload(dev, [4, 5], randn(24, 1), "f32")).toThrow(ShapeError);
    x.dispose();
    W.dispose();
  });
});
