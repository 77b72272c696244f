// Elementwise and row ops over one binding (late-a of issue 13): unary maps (relu, gelu, their gradients, affine,
// copy, in place), exp/tanh, softmax (causal, with row blocks that cut the [T, S] matrices mid-way), layerNorm and
// l1Backward, on devices whose bindings are capped (16 KiB, 64 KiB), sizes that are not multiples of the blocks,
// outputs poisoned first. Each is checked against the CPU reference at its own test's tolerance and, where the
// blocks run the same arithmetic as one pass (elementwise maps, l1Backward), bit for bit against an uncapped device.
import { describe, expect, test } from "bun:test";
import * as cpu from "../cpu/index.ts";
import { Device, getDevice } from "../device.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison, randn } from "../testing.ts";
import { l1Backward } from "./l1_backward.ts";
import { layerNorm } from "./layernorm.ts";
import { exp, tanh } from "./pointwise.ts";
import { softmax } from "./softmax.ts";
import { affine, copy, gelu, geluBackward, relu, reluBackward, scale } from "./unary.ts";

type Dev = Awaited<ReturnType<typeof getDevice>>;
const bits = (a: Float32Array | Int32Array | Uint32Array) =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("elementwise and row ops over one binding", async () => {
  const small = await Device.create({ maxBindingBytes: 16 * 1024 }); // 4,096 floats per binding
  const mid = await Device.create({ maxBindingBytes: 64 * 1024 }); // 16,384 floats
  const whole = await getDevice();

  // op on both devices: CPU reference within rtol/atol, and the capped result bit-equal to the uncapped one
  type Run = (dev: Dev, ts: Tensor[]) => Tensor;
  async function both(
    name: string,
    hs: HostTensor[],
    run: Run,
    want: HostTensor,
    exact: boolean,
    rtol: number,
    atol: number,
  ): Promise<void> {
    const got: Float32Array[] = [];
    for (const dev of [small, whole]) {
      const ts = hs.map((h) => Tensor.fromHost(dev, h));
      if (dev === small) expect(ts[0].byteLength).toBeGreaterThan(small.maxBinding); // the capped run splits
      got.push((await run(dev, ts).read()) as Float32Array);
      for (const t of ts) t.dispose();
    }
    assertClose(name, got[0], want.data, rtol, atol);
    if (exact) expect(bits(got[0])).toEqual(bits(got[1]));
  }

  test("unary maps and exp/tanh in element blocks (8,777 elements: a partial vec4 at the end)", async () => {
    const shape = [131, 67];
    const n = 131 * 67;
    const hx = host(shape, randn(n, 1, 2));
    const hg = host(shape, randn(n, 2));
    const out = (dev: Dev) => poison(Tensor.empty(dev, shape));
    await both("relu", [hx], (d, [x]) => relu(x, { out: out(d) }), cpu.relu(hx), true, 0, 0);
    await both("gelu", [hx], (d, [x]) => gelu(x, { out: out(d) }), cpu.gelu(hx), true, 1e-5, 1e-6);
    const rb: Run = (d, [g, x]) => reluBackward(g, x, { out: out(d) });
    await both("reluBackward", [hg, hx], rb, cpu.reluBackward(hg, hx), true, 0, 0);
    const wantGb = cpu.geluBackward(hg, hx);
    const gb: Run = (d, [g, x]) => geluBackward(g, x, { out: out(d) });
    await both("geluBackward", [hg, hx], gb, wantGb, true, 1e-5, 1e-6);
    const af: Run = (d, [x]) => affine(x, 1.5, -0.25, { out: out(d) });
    await both("affine", [hx], af, cpu.affine(hx, 1.5, -0.25), true, 1e-6, 1e-6);
    await both("scale in place", [hx], (_, [x]) => scale(x, 3, { out: x }), cpu.scale(hx, 3), true, 1e-6, 0);
    await both("copy", [hx], (d, [x]) => copy(x, out(d)), hx, true, 0, 0);
    await both("exp", [hx], (d, [x]) => exp(x, 0.5, { out: out(d) }), cpu.exp(hx, 0.5), true, 1e-6, 0);
    await both("tanh", [hx], (d, [x]) => tanh(x, 2, { out: out(d) }), cpu.tanh(hx, 2), true, 1e-6, 1e-7);
    // i32 copy is bit-exact for any dtype
    const hi = host([9001], Int32Array.from({ length: 9001 }, (_, i) => i * 7919 - 3000000), "i32");
    const src = Tensor.fromHost(small, hi);
    const dst = poison(Tensor.empty(small, [9001], "i32"));
    copy(src, dst);
    expect(Array.from(await dst.read())).toEqual(Array.from(hi.data));
    for (const t of [src, dst]) t.dispose();
  });

  test("softmax in row blocks: plain, and causal with blocks that start mid-matrix", async () => {
    const hp = host([200, 63], randn(200 * 63, 3, 3));
    const plain: Run = (d, [x]) => softmax(x, { out: poison(Tensor.empty(d, [200, 63])), scale: 0.7 });
    await both("softmax", [hp], plain, cpu.softmax(hp, { scale: 0.7 }), false, 1e-4, 1e-6);
    const shape = [3, 150, 41]; // rows of 164 bytes: blocks of 64 rows, T = 150
    const hc = host(shape, randn(3 * 150 * 41, 4, 2));
    const masks = [{ causal: true }, { causal: true, posOffset: 2, scale: 0.5 }, { causal: true, posOffset: -5 }];
    for (const opts of masks) {
      const run = (d: Dev, [x]: Tensor[]) => softmax(x, { ...opts, out: poison(Tensor.empty(d, shape)) });
      await both(`softmax ${JSON.stringify(opts)}`, [hc], run, cpu.softmax(hc, opts), false, 1e-4, 1e-6);
    }
  });

  test("layerNorm in row blocks, gamma and beta bound whole", async () => {
    const shape = [5, 40, 61];
    const hx = host(shape, randn(5 * 40 * 61, 5, 2));
    const [hgam, hbet] = [host([61], randn(61, 6)), host([61], randn(61, 7))];
    const want = cpu.layerNorm(hx, hgam, hbet, { eps: 1e-5 });
    const run = (d: Dev, [x, g, b]: Tensor[]) => layerNorm(x, g, b, { out: poison(Tensor.empty(d, shape)) });
    await both("layerNorm", [hx, hgam, hbet], run, want, false, 1e-4, 1e-5);
  });

  for (const [batch, dSae, dIn] of [[300, 200, 130], [300, 70, 30]] as const) {
    test(`l1Backward in blocks: f [${batch}, ${dSae}], W_dec [${dSae}, ${dIn}] on a 64 KiB binding`, async () => {
      const fData = randn(batch * dSae, 8).map((v) => (v < 0 ? 0 : v));
      fData[3] = -0.5;
      const wData = randn(dSae * dIn, 9, 0.3);
      wData.fill(0, 65 * dIn, 66 * dIn); // a zero decoder row, in the second block
      const grads = [host([batch, dSae], randn(batch * dSae, 10, 0.1)), host([dSae, dIn], randn(dSae * dIn, 11, 0.1))];
      const hs = [host([batch, dSae], fData), host([dSae, dIn], wData), ...grads];
      const got: Float32Array[][] = [];
      for (const dev of [mid, whole]) {
        const [f, W, gf, gw] = hs.map((h) => Tensor.fromHost(dev, h));
        if (dev === mid) expect(f.byteLength).toBeGreaterThan(mid.maxBinding);
        const loss = poison(Tensor.empty(dev, [1]));
        l1Backward(f, W, 0.37, gf, gw, { loss });
        got.push((await Promise.all([loss.read(), gf.read(), gw.read()])) as Float32Array[]);
        for (const t of [f, W, gf, gw, loss]) t.dispose();
      }
      const [hgf, hgw] = [structuredClone(hs[2]), structuredClone(hs[3])];
      const want = cpu.l1Backward(hs[0], hs[1], 0.37, hgf, hgw);
      assertClose("loss", got[0][0], want.data, 1e-4, 1e-5);
      assertClose("gradF", got[0][1], hgf.data, 1e-4, 1e-5);
      assertClose("gradWdec", got[0][2], hgw.data, 1e-4, 1e-5);
      for (let i = 0; i < 3; i++) expect(bits(got[0][i])).toEqual(bits(got[1][i]));
    });
  }
});
