// The model forward's row ops over one binding (a device capped at 4 KiB: 1,024 floats), against the CPU references
// with outputs poisoned first: normScale (LayerNorm and RMSNorm) in row blocks with its scale rows, add over
// [batch, pos, d] with leading dims flattened (same shapes and a [d] row) and in row blocks finer than 64 rows,
// activate in element blocks, matmulPacked in row blocks of x and out (f32 and f16 chunks), matmul whose blocks are
// under 64 rows (k = 24: copied windows, not unaligned views), transpose (row blocks, batch items). Tolerance:
// elementwise and copies exact, norms rtol/atol 1e-5, matmuls 1e-4 (f32 sums of k).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device } from "../device.ts";
import { PackedMatrix } from "../packed.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { activate } from "./activation.ts";
import { add } from "./binary.ts";
import { matmul } from "./matmul.ts";
import { matmulPacked } from "./matmul_packed.ts";
import { normScale } from "./norm_scale.ts";
import { transpose } from "./transpose.ts";

describe("forward row ops over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 4096 });
  const up = (shape: number[], seed: number) => {
    const h = host(shape, randn(shape.reduce((a, b) => a * b, 1), seed));
    return { h, t: Tensor.fromHost(dev, h) };
  };

  test("normScale: [5, 70, 12] rows in blocks, LayerNorm and RMSNorm, scale [5, 70, 1]", async () => {
    const [x, w, b] = [up([5, 70, 12], 1), up([12], 2), up([12], 3)];
    expect(x.t.byteLength).toBeGreaterThan(dev.maxBinding);
    for (const rms of [false, true]) {
      const out = poison(Tensor.empty(dev, [5, 70, 12]));
      const scale = poison(Tensor.empty(dev, [5, 70, 1]));
      normScale(x.t, w.t, b.t, { rms, out, scaleOut: scale });
      const want = cpu.normScale(x.h, w.h, b.h, { rms });
      assertClose(`normScale rms=${rms}`, await out.read(), want.out.data, 1e-5, 1e-5);
      assertClose(`normScale scale rms=${rms}`, await scale.read(), want.scale.data, 1e-5, 1e-5);
    }
  });

  test("add: [3, 40, 16] + same shape and + a [16] row (rows of 64 positions, not of 3 batch items)", async () => {
    const [a, b, r] = [up([3, 40, 16], 4), up([3, 40, 16], 5), up([16], 6)];
    expect(a.t.byteLength).toBeGreaterThan(dev.maxBinding);
    for (const [other, name] of [[b, "same shape"], [r, "row"]] as const) {
      const out = poison(Tensor.empty(dev, [3, 40, 16]));
      add(a.t, other.t, { out });
      const want = a.h.data.map((v, i) => v + other.h.data[i % other.h.data.length]);
      assertClose(`add (${name})`, await out.read(), want, 0, 0);
    }
  });

  test("add: [90, 48] rows of 192 bytes in blocks of 20 (a multiple of 4 rows stays aligned; 64 rows would not fit)", async () => {
    const [a, b] = [up([90, 48], 12), up([90, 48], 13)];
    expect(64 * 48 * 4).toBeGreaterThan(dev.maxBinding);
    const out = poison(Tensor.empty(dev, [90, 48]));
    add(a.t, b.t, { out });
    assertClose("add [90, 48]", await out.read(), a.h.data.map((v, i) => v + b.h.data[i]), 0, 0);
  });

  test("transpose: [150, 36] (16-row blocks into windows of out's columns), [5, 30, 20] (batch items)", async () => {
    for (const shape of [[150, 36], [5, 30, 20]]) {
      const x = up(shape, 14);
      expect(x.t.byteLength).toBeGreaterThan(dev.maxBinding);
      const t = shape.length === 2 ? [shape[1], shape[0]] : [shape[0], shape[2], shape[1]];
      const out = poison(Tensor.empty(dev, t));
      transpose(x.t, { out });
      assertClose(`transpose ${shape}`, await out.read(), cpu.transpose(x.h).data, 0, 0);
    }
  });

  test("activate: silu, gelu_erf, softcap over 3,001 elements in blocks", async () => {
    const x = up([3001], 7);
    for (const kind of ["silu", "gelu_erf", "softcap"] as const) {
      const out = poison(Tensor.empty(dev, [3001]));
      activate(x.t, kind, { cap: 2, out });
      assertClose(`activate ${kind}`, await out.read(), cpu.activate(x.h, kind, { cap: 2 }).data, 1e-6, 1e-6);
    }
  });

  test("matmulPacked: x [150, 12] @ W [12, 10] and W_U_T [10, 12]^T, x and out over one binding", async () => {
    const x = up([150, 12], 8);
    const w = randn(12 * 10, 9);
    for (const format of ["f32", "f16"] as const) {
      for (const transB of [false, true]) {
        const shape = transB ? [10, 12] : [12, 10];
        const W = PackedMatrix.upload(dev, shape, w, format, { maxChunkBytes: 160 });
        const wh = host(shape, (await W.read()) as Float32Array);
        const out = poison(Tensor.empty(dev, [150, 10]));
        expect(x.t.byteLength).toBeGreaterThan(dev.maxBinding);
        matmulPacked(x.t, W, { transB, out });
        assertClose(`matmulPacked ${format} transB=${transB}`, await out.read(), cpu.matmul(x.h, wh, { transB }).data, 1e-4, 1e-4);
        W.dispose();
      }
    }
  });

  test("matmul: [150, 24] @ [24, 100] (+ bias) under 4 KiB: blocks of 32 columns, copied where unaligned", async () => {
    const [a, b, bias] = [up([150, 24], 10), up([24, 100], 11), up([100], 15)];
    for (const withBias of [false, true]) {
      const out = poison(Tensor.empty(dev, [150, 100]));
      matmul(a.t, b.t, { out, bias: withBias ? bias.t : undefined }); // bias columns from unaligned offsets: copies
      const want = cpu.matmul(a.h, b.h, { bias: withBias ? bias.h : undefined }).data;
      assertClose(`matmul bias=${withBias}`, await out.read(), want, 1e-4, 1e-4);
    }
  });
});
