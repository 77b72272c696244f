// matmul over operands larger than one binding, on a device whose bindings are capped small (maxBindingBytes), so
// the blocked path (matmul_blocks.ts: row views, copied windows, k blocks accumulated) runs on small shapes against
// the float64 CPU reference: every transpose pair, bias, alpha and accumulate, a k split, outputs poisoned first.
// Tolerance as matmul.test.ts: 1e-4 relative plus 1e-4 * sqrt(K).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device } from "../device.ts";
import { Tensor, host, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { matmul, type MatmulOptions } from "./matmul.ts";
import { chooseBlocks } from "./matmul_blocks.ts";

let seed = 500;
const rand = (shape: number[]) => host(shape, randn(shape.reduce((x, y) => x * y, 1), seed++));

async function check(dev: Device, a: HostTensor, b: HostTensor, opts: MatmulOptions<HostTensor>, K: number) {
  const init = opts.accumulate ? opts.out : undefined;
  const want = cpu.matmul(a, b, { ...opts, out: init ? { ...init, data: init.data.slice() } : undefined });
  const [ga, gb] = [Tensor.fromHost(dev, a), Tensor.fromHost(dev, b)];
  const bias = opts.bias ? Tensor.fromHost(dev, opts.bias) : undefined;
  const out = init ? Tensor.fromHost(dev, init) : poison(Tensor.empty(dev, want.shape));
  const over = [ga, gb, out].filter((t) => t.byteLength > dev.maxBinding).length;
  expect(over).toBeGreaterThan(0); // the blocked path, not the plain one
  matmul(ga, gb, { ...opts, bias, out });
  const what = `${a.shape} x ${b.shape} transA=${!!opts.transA} transB=${!!opts.transB} bias=${!!opts.bias} acc=${!!opts.accumulate}`;
  assertClose(what, await out.read(), want.data, 1e-4, 1e-4 * Math.sqrt(K));
  for (const t of [ga, gb, bias, out]) t?.dispose();
}

describe("matmul over one binding", async () => {
  const dev = await Device.create({ maxBindingBytes: 64 * 1024 }); // 16,384 floats per binding

  test("every transpose pair, with bias, alpha and accumulate, at sizes off the 64-row block", async () => {
    const [M, K, N] = [203, 61, 150]; // a 12k floats, b 9k, c 30k: c splits
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = rand(transA ? [K, M] : [M, K]);
      const b = rand(transB ? [N, K] : [K, N]);
      await check(dev, a, b, { transA, transB }, K);
      await check(dev, a, b, { transA, transB, bias: rand([N]), alpha: -0.5, accumulate: true, out: rand([M, N]) }, K);
    }
  }, 120_000);

  test("a wide b splits k (x @ W_enc with W_enc over the limit), and a tall a splits rows", async () => {
    await check(dev, rand([7, 3001]), rand([3001, 33]), { bias: rand([33]) }, 3001);
    await check(dev, rand([3001, 33]), rand([33, 37]), {}, 33);
    await check(dev, rand([3001, 12]), rand([3001, 20]), { transA: true }, 3001); // x^T @ g
    // 64 rows of c do not fit: column blocks computed in scratch and copied back (accumulate copies c in first)
    await check(dev, rand([70, 20]), rand([20, 300]), { bias: rand([300]), alpha: 2, accumulate: true, out: rand([70, 300]) }, 20);
    await check(dev, rand([20, 70]), rand([300, 20]), { transA: true, transB: true }, 20);
  }, 120_000);

  test("block choice: x @ W_enc binds W_enc's rows in place (k blocks); the blocks fit", () => {
    const [mb, nb, kb] = chooseBlocks({ M: 4, N: 65536, K: 2304 }, 2 ** 25, false, false, false);
    expect(nb).toBe(65536);
    expect(kb * nb).toBeLessThanOrEqual(2 ** 25);
    expect(mb).toBe(4);
  });
});
