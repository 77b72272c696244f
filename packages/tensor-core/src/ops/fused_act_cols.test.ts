import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/fused_act_cols.ts";
import { Device, getDevice } from "../device.ts";
import { ShapeError } from "../errors.ts";
import { host, Tensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { fusedActCols, type FusedActCols } from "./fused_act_cols.ts";

// Tolerance: out is one multiply-add per element (1e-6); the column sums add up to `rows` f32 terms against float64.
const RTOL = 1e-4;
const ATOL = 1e-4;

/** fusedActCols on fresh inputs against the CPU reference (outputs poisoned first); returns out, colA, colB. */
async function check(dev: Device, mode: FusedActCols, rows: number, cols: number): Promise<Float32Array[]> {
  const seed = rows * 7 + cols;
  const a = host([rows, cols], randn(rows * cols, seed));
  // b: f (ReLU-like, half zeros) for reluGrad; pre near the thresholds for jumpGrad (so some fall in the window)
  const bData = randn(rows * cols, seed + 1, mode === "jumpGrad" ? 0.02 : 1).map((x) => (mode === "reluGrad" ? Math.max(x, 0) : x + (mode === "jumpGrad" ? 0.01 : 0)));
  const b = host([rows, cols], bData);
  const v = host([cols], mode === "jumpGrad" ? new Float32Array(cols).map((_, i) => Math.log(0.005 + 0.01 * ((i * 13) % 7) / 7)) : randn(cols, seed + 2).map(Math.abs));
  const opts = { c0: 0.37, bandwidth: 0.004 };
  const want = cpu.fusedActCols(mode, a, mode === "reluSum" ? {} : { b, v, ...opts });
  const at = Tensor.fromHost(dev, a);
  const bt = Tensor.fromHost(dev, b);
  const vt = Tensor.fromHost(dev, v);
  const out = poison(Tensor.empty(dev, [rows, cols]));
  const colA = poison(Tensor.empty(dev, [cols]));
  const colB = poison(Tensor.empty(dev, [cols]));
  const got = fusedActCols(mode, at, mode === "reluSum" ? { out, colA } : { b: bt, v: vt, ...opts, out, colA, colB });
  const res = [await got.out.read(), await got.colA.read(), await colB.read()];
  assertClose(`${mode} out`, res[0], want.out.data, 1e-6, 1e-6);
  assertClose(`${mode} colA`, res[1], want.colA.data, RTOL, ATOL);
  if (mode === "jumpGrad") {
    assertClose(`${mode} colB`, res[2], want.colB!.data, RTOL, ATOL);
    if (rows > 1) expect(want.colB!.data.some((x) => x !== 0)).toBe(true); // the window was hit
  } else expect(got.colB).toBeNull();
  for (const t of [at, bt, vt, out, colA, colB]) t.dispose();
  return res;
}

describe("fusedActCols", () => {
  for (const mode of ["reluSum", "reluGrad", "jumpGrad"] as FusedActCols[]) {
    for (const [rows, cols] of [[1, 1], [37, 83], [300, 129]]) {
      test(`${mode} [${rows}, ${cols}] matches the CPU reference`, async () => {
        await check(await getDevice(), mode, rows, cols);
      });
    }
  }

  // a 64 KiB cap: [300, 129] (155 KB) in 5 blocks of 64 rows; the column sums continue: the uncapped run's bits
  test("over one binding: row blocks match the CPU reference and the uncapped run bit for bit", async () => {
    const capped = await Device.create({ maxBindingBytes: 64 * 1024 });
    expect(300 * 129 * 4).toBeGreaterThan(capped.maxBinding);
    for (const mode of ["reluSum", "reluGrad", "jumpGrad"] as FusedActCols[]) {
      const got = await check(capped, mode, 300, 129);
      const want = await check(await getDevice(), mode, 300, 129);
      for (let j = 0; j < (mode === "jumpGrad" ? 3 : 2); j++) expect(Buffer.from(got[j].buffer).equals(Buffer.from(want[j].buffer))).toBe(true);
    }
    capped.destroy();
  });

  test("the CPU reference's reluGrad is (gF + c0 norms) masked by f > 0", () => {
    const a = host([2, 2], Float32Array.from([1, 2, 3, 4]));
    const b = host([2, 2], Float32Array.from([0, 1, 5, 0]));
    const v = host([2], Float32Array.from([10, 20]));
    const r = cpu.fusedActCols("reluGrad", a, { b, v, c0: 0.5 });
    expect([...r.out.data]).toEqual([0, 12, 8, 0]);
    expect([...r.colA.data]).toEqual([8, 12]);
  });

  test("typed errors", async () => {
    const dev = await getDevice();
    const a = Tensor.zeros(dev, [4, 6]);
    const v = Tensor.zeros(dev, [6]);
    expect(() => fusedActCols("reluGrad", a, { v })).toThrow("needs b [4, 6]");
    expect(() => fusedActCols("reluGrad", a, { b: Tensor.zeros(dev, [4, 5]), v })).toThrow(ShapeError);
    expect(() => fusedActCols("jumpGrad", a, { b: a, v: Tensor.zeros(dev, [5]) })).toThrow(ShapeError);
    expect(() => fusedActCols("reluSum", Tensor.zeros(dev, [24]))).toThrow("a must be [batch, d_sae], got [24]");
    expect(() => fusedActCols("reluSum", a, { out: a })).toThrow("out must not alias an input");
    for (const t of [a, v]) t.dispose();
  });
});
