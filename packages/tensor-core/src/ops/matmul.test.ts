// matmul against the float64 CPU reference: awkward sizes, every transpose pair, batched and shared b, bias,
// accumulate with alpha, poisoned outputs, one large product checked on sampled rows, and bad inputs.
// Tolerance: |got - want| <= 1e-4 * |want| + 1e-4 * sqrt(K) (inputs are N(0, 1), so outputs have scale sqrt(K)).
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { getDevice, type Device } from "../device.ts";
import { DisposedError, DTypeError, LimitError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { Tensor, host, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { matmul, matmulVariant, matmulVariants, type MatmulOptions, type MatmulVariant } from "./matmul.ts";

const PAIRS = [[false, false], [true, false], [false, true], [true, true]] as const;
let seed = 1;

function rand(shape: number[]): HostTensor<"f32"> {
  return host(shape, randn(shape.reduce((x, y) => x * y, 1), seed++));
}

/** a and b host tensors for op(a) [batch?, M, K] and op(b) [batch?, K, N]. */
function inputs(M: number, K: number, N: number, transA: boolean, transB: boolean, batch = 0, sharedB = false) {
  const lead = batch ? [batch] : [];
  const a = rand([...lead, ...(transA ? [K, M] : [M, K])]);
  const b = rand([...(sharedB ? [] : lead), ...(transB ? [N, K] : [K, N])]);
  return { a, b };
}

/** Runs one case on the GPU with a poisoned output and compares it with the CPU reference. */
async function check(dev: Device, variant: MatmulVariant, a: HostTensor, b: HostTensor, opts: MatmulOptions<HostTensor> = {}) {
  const K = opts.transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const init = opts.accumulate ? opts.out : undefined;
  const want = cpu.matmul(a, b, { ...opts, out: init ? { ...init, data: init.data.slice() } : undefined });
  const ga = Tensor.fromHost(dev, a);
  const gb = Tensor.fromHost(dev, b);
  const bias = opts.bias ? Tensor.fromHost(dev, opts.bias) : undefined;
  const out = init ? Tensor.fromHost(dev, init) : poison(Tensor.empty(dev, want.shape));
  const got = matmulVariant(ga, gb, { ...opts, bias, out }, variant);
  expect(got as Tensor).toBe(out);
  const what = `${variant} ${a.shape} x ${b.shape} transA=${!!opts.transA} transB=${!!opts.transB}${opts.bias ? " bias" : ""}${opts.accumulate ? " accumulate" : ""}`;
  assertClose(what, await got.read(), want.data, 1e-4, 1e-4 * Math.sqrt(Math.max(K, 1)));
  for (const t of [ga, gb, bias, out]) t?.dispose();
}

describe("matmul", async () => {
  const dev = await getDevice();
  const all: MatmulVariant[] = ["auto", ...matmulVariants(dev)];
  /** The lanes kernel (llvmpipe only) needs N, K and, with transA, M to be multiples of 4. */
  const variants = (M: number, K: number, N: number, transA: boolean) =>
    all.filter((v) => (v !== "lanes" && v !== "lanes-nt") || (N % 4 === 0 && K % 4 === 0 && (v === "lanes-nt" || !transA || M % 4 === 0)));

  test("awkward sizes, every kernel that takes them and every transpose pair", async () => {
    for (const [M, K, N] of [[37, 53, 29], [1, 1, 1], [65, 130, 7], [3, 0, 5]]) {
      for (const [transA, transB] of PAIRS) {
        const { a, b } = inputs(M, K, N, transA, transB);
        for (const v of variants(M, K, N, transA)) await check(dev, v, a, b, { transA, transB });
      }
    }
  });

  test("vec4-aligned sizes that are not multiples of the tile, every kernel and transpose pair", async () => {
    for (const [M, K, N] of [[100, 64, 72], [4, 4, 4], [36, 132, 40]]) {
      for (const [transA, transB] of PAIRS) {
        const { a, b } = inputs(M, K, N, transA, transB);
        for (const v of variants(M, K, N, transA)) await check(dev, v, a, b, { transA, transB });
      }
    }
  });

  test("bias, alpha and accumulate", async () => {
    for (const [M, K, N] of [[37, 53, 29], [40, 24, 68]]) {
      for (const [transA, transB] of PAIRS) {
        const { a, b } = inputs(M, K, N, transA, transB);
        for (const v of variants(M, K, N, transA)) {
          await check(dev, v, a, b, { transA, transB, bias: rand([N]) });
          await check(dev, v, a, b, { transA, transB, bias: rand([N]), alpha: -0.5, accumulate: true, out: rand([M, N]) });
        }
      }
    }
  });

  test("batched a with batched b, and with a shared b", async () => {
    for (const [M, K, N] of [[37, 20, 29], [36, 40, 44]]) {
      for (const [transA, transB] of PAIRS) {
        for (const sharedB of [false, true]) {
          const { a, b } = inputs(M, K, N, transA, transB, 3, sharedB);
          for (const v of variants(M, K, N, transA)) await check(dev, v, a, b, { transA, transB, bias: rand([N]), alpha: 2 });
        }
      }
    }
  });

  test("4096 x 768 x 6144 (the SAE encoder shape), checked on 64 sampled rows", async () => {
    const [M, K, N] = [4096, 768, 6144];
    const a = randn(M * K, 101, 1);
    const b = randn(K * N, 102, 1);
    const ga = Tensor.from(dev, [M, K], a);
    const gb = Tensor.from(dev, [K, N], b);
    const out = poison(Tensor.empty(dev, [M, N]));
    matmul(ga, gb, { out });
    const got = await out.read();
    const rng = new Rng(7);
    const rows = Array.from({ length: 64 }, () => rng.int(M));
    rows.push(0, M - 1);
    const sample = new Float32Array(rows.length * K);
    rows.forEach((r, i) => sample.set(a.subarray(r * K, r * K + K), i * K));
    const want = cpu.matmul(host([rows.length, K], sample), host([K, N], b)).data;
    const gotRows = new Float32Array(rows.length * N);
    rows.forEach((r, i) => gotRows.set(got.subarray(r * N, r * N + N), i * N));
    assertClose(`rows ${rows.join(",")}`, gotRows, want, 1e-4, 1e-4 * Math.sqrt(K));
    for (const t of [ga, gb, out]) t.dispose();
  }, 120_000);

  test("bad inputs throw typed errors naming the shapes", async () => {
    const t = (shape: number[]) => Tensor.fromHost(dev, rand(shape));
    const [a, b] = [t([4, 5]), t([6, 3])];
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow(/\[4, 5\].*\[6, 3\]/);
    expect(() => matmul(t([5]), t([5, 2]))).toThrow(ShapeError);
    expect(() => matmul(t([2, 3, 4]), t([3, 4, 5]))).toThrow(/batch/);
    expect(() => matmul(t([3, 4]), t([2, 4, 5]))).toThrow(ShapeError);
    expect(() => matmul(t([3, 4]), t([4, 5]), { bias: t([4]) })).toThrow(/bias/);
    expect(() => matmul(t([3, 4]), t([4, 5]), { out: t([5, 3]) })).toThrow(ShapeError);
    expect(() => matmul(t([3, 4]), t([4, 5]), { accumulate: true })).toThrow(/accumulate needs out/);
    expect(() => matmul(t([3, 4]), t([4, 5]), { transB: true })).toThrow(ShapeError);
    const ints = Tensor.from(dev, [4, 5], new Int32Array(20));
    expect(() => matmul(ints, t([5, 2]))).toThrow(DTypeError);
    expect(() => matmul(t([4, 5]), t([5, 2]), { out: Tensor.from(dev, [4, 2], new Int32Array(8)) })).toThrow(DTypeError);
    const gone = t([5, 2]);
    gone.dispose();
    expect(() => matmul(a, gone)).toThrow(DisposedError);
    if (all.includes("lanes")) expect(() => matmulVariant(t([3, 5]), t([5, 4]), {}, "lanes")).toThrow(LimitError);
    if (all.includes("lanes-nt")) expect(() => matmulVariant(t([3, 5]), t([5, 4]), {}, "lanes-nt")).toThrow(LimitError);
    expect(() => cpu.matmul(rand([4, 5]), rand([6, 3]))).toThrow(ShapeError);
    expect(() => cpu.matmul(host([1, 1], new Int32Array(1)), rand([1, 1]))).toThrow(DTypeError);
  });
});
