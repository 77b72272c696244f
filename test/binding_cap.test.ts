// The binding limit swept over the SAEs: on a device whose storage bindings are capped at 64 KiB (device.run throws
// a LimitError for any binding over it), encode and decode, then a few Trainer steps (Adam included) of every
// architecture (dense and, for standard / JumpReLU, the sparse pair step), with weights and activations over one
// binding, give the values of the same run on the uncapped device. The models: binding_cap_model.test.ts.
// Tolerance: blocked sums add in another order (f32), rtol/atol 2e-4 after a few Adam steps.
import { describe, expect, test } from "bun:test";
import { Device, getDevice, Rng, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { ARCHITECTURE_NAMES, Sae, type ArchitectureName } from "@sae/core";
import { resolveConfig, Trainer } from "@sae/train";

const CAP = 64 * 1024;
// W_enc [d_in, d_sae] 80 KB, x [batch, d_in] 102 KB, pre-activations [batch, d_sae] 205 KB: all over 64 KiB
const [D_IN, D_SAE, BATCH, K, STEPS] = [100, 200, 256, 8, 3];
const [RTOL, ATOL] = [2e-4, 2e-4];

const plain = await getDevice();
const capped = await Device.create({ maxBindingBytes: CAP });

function saeCfg(architecture: ArchitectureName) {
  const topk = ["topk", "batchtopk", "matryoshka_batchtopk"].includes(architecture);
  return {
    architecture,
    d_in: D_IN,
    d_sae: D_SAE,
    ...(topk ? { k: K } : {}),
    ...(architecture === "matryoshka_batchtopk" ? { matryoshka_widths: [64, D_SAE] } : {}),
  };
}

async function trainRun(device: Device, architecture: ArchitectureName, sparse: boolean, xs: Float32Array[]) {
  const cfg = resolveConfig({
    ...saeCfg(architecture),
    train_batch_size_tokens: BATCH,
    training_tokens: BATCH * STEPS,
    l1_coefficient: 1e-3,
    sparse_max_active: sparse ? D_SAE : 0, // d_sae: every step through the pairs
  });
  const sae = Sae.create(device, saeCfg(architecture), 5);
  // encode / decode first, with the seeded parameters both devices share (after training, a JumpReLU pre-activation
  // within the runs' 1e-6 differences of its threshold would fire on one device only)
  const xt = Tensor.from(device, [BATCH, D_IN], xs[0]);
  const f = await sae.encode(xt);
  const out = sae.decode(f);
  const [fh, outh] = [(await f.read()) as Float32Array, (await out.read()) as Float32Array];
  for (const t of [xt, f, out]) t.dispose();
  const trainer = new Trainer({ cfg, device, sae, totalSteps: STEPS, logEvery: 1 });
  const losses: number[] = [];
  for (const x of xs) losses.push((await trainer.trainStep(x, true))!.loss);
  const params: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(sae.params)) params[n] = (await t.read()) as Float32Array;
  const res = { losses, params, f: fh, out: outh };
  trainer.dispose();
  sae.dispose();
  return res;
}

describe("every architecture under a 64 KiB binding cap", () => {
  test("the shapes are over one binding", () => {
    for (const n of [D_IN * D_SAE, BATCH * D_IN, BATCH * D_SAE]) expect(n * 4).toBeGreaterThan(capped.maxBinding);
  });
  const rng = new Rng(11);
  const xs = Array.from({ length: STEPS }, () => rng.normalArray(BATCH * D_IN, 1));
  const sparseToo = (a: ArchitectureName) => a === "standard" || a === "jumprelu";
  const cases: Array<[ArchitectureName, boolean]> = ARCHITECTURE_NAMES.flatMap((a): Array<[ArchitectureName, boolean]> =>
    sparseToo(a) ? [[a, false], [a, true]] : [[a, false]],
  );
  for (const [arch, sparse] of cases) {
    test(`${arch}${sparse ? " (sparse pair step)" : ""}: encode, decode, ${STEPS} train steps equal the uncapped run`, async () => {
      const want = await trainRun(plain, arch, sparse, xs);
      const got = await trainRun(capped, arch, sparse, xs);
      assertClose(`${arch} losses`, got.losses, want.losses, RTOL, ATOL);
      for (const n of Object.keys(want.params)) assertClose(`${arch} ${n}`, got.params[n], want.params[n], RTOL, ATOL);
      assertClose(`${arch} encode`, got.f, want.f, RTOL, ATOL);
      assertClose(`${arch} decode`, got.out, want.out, RTOL, ATOL);
    }, 300_000);
  }
});
