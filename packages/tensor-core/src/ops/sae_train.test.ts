// The SAE training kernels against their CPU references (cpu/sae_train.ts) on awkward sizes, outputs poisoned
// first; plus the typed errors for bad shapes and dtypes. Run twice: on the plain device, and on one whose bindings
// are capped at 16 KiB (maxBindingBytes) with shapes over that, so every kernel's row-block path is checked too.
import { describe, expect, test } from "bun:test";
import * as ref from "../cpu/sae_train.ts";
import { Device, getDevice } from "../device.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { Rng } from "../random.ts";
import { host, Tensor, type HostTensor } from "../tensor.ts";
import { assertClose, poison } from "../testing.ts";
import { saeActBackward, saeActivation, saeAxpby, saeDot, saeRowNorm, saeRowScale, saeScatter, type SaeActBackward, type SaeActivation } from "./sae_train.ts";

const R = 37;
const C = 83;
const TOL = 1e-5;

const CONFIGS = [
  { name: "plain", R, C, W: C, device: () => getDevice() },
  { name: "over one binding", R: 203, C: 52, W: 300, device: () => Device.create({ maxBindingBytes: 16 * 1024 }) },
];

async function setup(make: () => Promise<Device> = getDevice) {
  const device = await make();
  const rng = new Rng(21);
  const mk = (shape: number[], std = 1) => host(shape, rng.normalArray(shape.reduce((a, b) => a * b, 1), std));
  const up = (h: HostTensor) => Tensor.fromHost(device, h);
  const out = (shape: number[]) => poison(Tensor.empty(device, shape));
  return { device, rng, mk, up, out };
}

for (const cfg of CONFIGS) describe(`sae_train kernels vs CPU reference (${cfg.name})`, () => {
  const { R, C, W } = cfg;
  const devices = new Map<string, Promise<Device>>();
  const made = () => devices.get(cfg.name) ?? devices.set(cfg.name, cfg.device()).get(cfg.name)!;
  test("saeAxpby (all coefficient patterns), saeDot (dot, sum, count)", async () => {
    const { mk, up, out } = await setup(made);
    const [a, b, v] = [mk([R, C]), mk([R, C]), mk([C])];
    for (const [al, be, ga] of [[1, -1, 0], [0.5, 0, 2], [-2, 3, -1]]) {
      const got = saeAxpby(up(a), be ? up(b) : null, ga ? up(v) : null, al, be, ga, { out: out([R, C]) });
      assertClose(`axpby ${al},${be},${ga}`, await got.read(), ref.saeAxpby(a, b, v, al, be, ga).data, TOL, TOL);
    }
    for (const mode of ["dot", "sum", "count"] as const) {
      const got = saeDot(up(a), up(b), 0.37, mode, { out: out([1]) });
      assertClose(`dot ${mode}`, await got.read(), ref.saeDot(a, b, 0.37, mode).data, 1e-5, 1e-3);
    }
  });

  test("saeActivation (every kind) and saeActBackward (every mode)", async () => {
    const { mk, up, out } = await setup(made);
    const [a, b, c] = [mk([R, C]), mk([R, C]), mk([R, C])];
    const [v1, v2] = [mk([C], 0.3), mk([C], 0.3)];
    for (const kind of ["relu", "jumprelu", "threshold", "gatedMag", "reluBias", "gatedF"] as SaeActivation[]) {
      const got = saeActivation(kind, up(a), { b: up(b), v1: up(v1), v2: up(v2), out: out([R, C]) });
      assertClose(`act ${kind}`, await got.read(), ref.saeActivation(kind, a, { b, v1, v2 }).data, TOL, TOL);
    }
    for (const kind of ["mask", "maskAdd", "jumpThreshold", "gatedH", "gatedR"] as SaeActBackward[]) {
      const opts = { c0: 0.03, bandwidth: 0.8 };
      const got = saeActBackward(kind, up(a), up(b), { c: up(c), v: up(v1), ...opts, out: out([R, C]) });
      assertClose(`backward ${kind}`, await got.read(), ref.saeActBackward(kind, a, b, { c, v: v1, ...opts }).data, TOL, TOL);
    }
  });

  test("saeScatter, saeRowNorm, saeRowScale", async () => {
    const { device, rng, mk, up, out } = await setup(made);
    const k = 7;
    const vals = mk([R, k]);
    // unfired pairs marked -1 (activeIndices) and any index past d_sae are skipped, not wrapped into another row
    const idx = host([R, k], Int32Array.from({ length: R * k }, (_, i) => (i % 5 === 4 ? -1 : i % 9 === 8 ? C : (Math.floor(i / k) * 13 + (i % k) * 11 + rng.int(3)) % C)), "i32");
    const zeros = host([R, C], new Float32Array(R * C));
    for (const relu of [true, false]) {
      const dense = Tensor.zeros(device, [R, C]);
      saeScatter(up(vals), Tensor.fromHost(device, idx), dense, relu);
      assertClose(`scatter relu=${relu}`, await dense.read(), ref.saeScatter(vals, idx, zeros, relu).data, 0, 0);
    }
    const w = mk([W, 29]);
    const n = saeRowNorm(up(w), { out: out([W]) });
    const nh = ref.saeRowNorm(w);
    assertClose("row norms", await n.read(), nh.data, TOL, TOL);
    const [dst, s] = [mk([W, 29]), mk([W])];
    const g = up(dst);
    saeRowScale("penaltyGrad", g, n, up(w), up(s), 0.7);
    assertClose("penaltyGrad", await g.read(), ref.saeRowScale("penaltyGrad", dst, nh, w, s, 0.7).data, 1e-5, 1e-5);
    for (const mode of ["divide", "multiply"] as const) {
      const t = up(dst);
      saeRowScale(mode, t, n);
      assertClose(mode, await t.read(), ref.saeRowScale(mode, dst, nh).data, 1e-5, 1e-5);
    }
  });

});

describe("sae_train kernels: errors", () => {
  test("bad shapes and dtypes are typed errors", async () => {
    const { device, mk, up } = await setup();
    const a = up(mk([R, C]));
    expect(() => saeAxpby(a, up(mk([R, C - 1])), null, 1, 1, 0)).toThrow(ShapeError);
    expect(() => saeAxpby(a, null, up(mk([C + 1])), 1, 0, 1)).toThrow(/v \[84\] must have 83 values/);
    expect(() => saeActivation("jumprelu", a)).toThrow(/missing v1/);
    expect(() => saeActBackward("gatedH", a, a)).toThrow(/missing v/);
    expect(() => saeScatter(up(mk([R, 3])), up(mk([R, 3])), a)).toThrow(DTypeError);
    expect(() => saeRowScale("divide", a, up(mk([C])))).toThrow(/n \[83\] must have 37 values/);
    expect(() => saeDot(Tensor.zeros(device, [4], "i32"), a, 1, "sum")).toThrow(DTypeError);
  });
});
