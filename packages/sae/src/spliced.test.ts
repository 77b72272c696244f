// SAEs spliced into a tiny fake hooked model (embedding -> hook_resid_pre -> W -> hook_resid_post -> U), checked
// against host arithmetic and the CPU SAE reference: reconstruction splice, error term, cache of the SAE's
// internals, detach, and the d_in / hook-name checks. A hook_z model (activation [batch, pos, n_heads, d_head])
// with the converted Kissane & Krzyzanowski fixture SAE is checked against PyTorch's values for that SAE.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { getDevice, matmul, Rng, Tensor, type Device } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { loadHookZ, loadSae } from "./load.ts";
import { cpuTrainStep } from "./cpu/reference.ts";
import { HookMismatchError } from "./errors.ts";
import { Sae } from "./sae.ts";
import { SplicedModel, type HookableModel, type SpliceHook } from "./spliced.ts";
import { FIXTURES } from "./test_fixtures.ts";

const D = 16;
const V = 11;
const HOOK = "blocks.0.hook_resid_pre";

/** x -> hook_resid_pre -> x W -> hook_resid_post -> logits = h U. Tokens are [batch][pos] ids. */
class FakeHookModel implements HookableModel<number[][]> {
  readonly device: Device;
  readonly E: Float32Array; // [V, D]
  readonly Wh: Float32Array; // [D, D]
  readonly Uh: Float32Array; // [D, V]
  private W: Tensor;
  private U: Tensor;
  constructor(device: Device) {
    const rng = new Rng(5);
    this.device = device;
    this.E = rng.normalArray(V * D);
    this.Wh = rng.normalArray(D * D, 0.3);
    this.Uh = rng.normalArray(D * V, 0.3);
    this.W = Tensor.from(device, [D, D], this.Wh);
    this.U = Tensor.from(device, [D, V], this.Uh);
  }
  hookNames(): string[] {
    return ["hook_embed", HOOK, "blocks.0.hook_resid_post"];
  }
  embed(tokens: number[][]): Float32Array {
    return Float32Array.from(tokens.flat().flatMap((t) => [...this.E.subarray(t * D, (t + 1) * D)]));
  }
  async runWithHooks(tokens: number[][], hooks: Readonly<Record<string, SpliceHook>>): Promise<Tensor> {
    const [B, P] = [tokens.length, tokens[0].length];
    const apply = async (name: string, t: Tensor): Promise<Tensor> => {
      const r = await hooks[name]?.(t, { name, layer: 0, posOffset: 0 });
      if (!r) return t;
      t.dispose();
      return r;
    };
    const x = await apply(HOOK, Tensor.from(this.device, [B, P, D], this.embed(tokens)));
    const h0 = Tensor.empty(this.device, [B, P, D]);
    matmul(x.reshape([B * P, D]), this.W, { out: h0.reshape([B * P, D]) });
    const h = await apply("blocks.0.hook_resid_post", h0);
    const logits = Tensor.empty(this.device, [B, P, V]);
    matmul(h.reshape([B * P, D]), this.U, { out: logits.reshape([B * P, V]) });
    x.dispose();
    h.dispose();
    return logits;
  }
  /** Host logits for a given resid_pre [n, D]. */
  logitsFrom(x: ArrayLike<number>): Float64Array {
    const n = x.length / D;
    const out = new Float64Array(n * V);
    for (let i = 0; i < n; i++) {
      const h = new Float64Array(D);
      for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) h[b] += x[i * D + a] * this.Wh[a * D + b];
      for (let b = 0; b < D; b++) for (let v = 0; v < V; v++) out[i * V + v] += h[b] * this.Uh[b * V + v];
    }
    return out;
  }
}

const TOKENS = [
  [1, 4, 9, 2, 0],
  [7, 3, 3, 10, 5],
];

async function setup() {
  const device = await getDevice();
  const model = new FakeHookModel(device);
  const sae = loadSae(join(FIXTURES, "ckpt_v5_standard"), device);
  const host = await sae.toHost();
  const x = model.embed(TOKENS);
  const ref = cpuTrainStep(sae.cfg, Object.fromEntries(Object.entries(host).map(([k, v]) => [k, Float64Array.from(v)])), x, x.length / D);
  return { device, model, sae, x, ref };
}

describe("SAEs spliced into a hooked model", () => {
  test("the forward runs through the reconstruction; the error term restores the clean output; detach", async () => {
    const { model, sae, x, ref } = await setup();
    const spliced = new SplicedModel(model).attach(sae, { hookName: HOOK });
    expect(spliced.attached).toEqual([HOOK]);
    const got = await spliced.run(TOKENS);
    expect(got.shape).toEqual([2, 5, V]);
    assertClose("logits through x_hat", await got.read(), model.logitsFrom(ref.saeOut), 1e-4, 1e-4);
    const clean = model.logitsFrom(x);
    spliced.attach(sae, { hookName: HOOK, errorTerm: true });
    assertClose("logits with error term", await (await spliced.run(TOKENS)).read(), clean, 1e-4, 1e-4);
    spliced.detach(HOOK);
    expect(spliced.attached).toEqual([]);
    assertClose("logits after detach", await (await spliced.run(TOKENS)).read(), clean, 1e-5, 1e-5);
    sae.dispose();
  });

  test("runWithCacheWithSaes exposes the SAE's input, acts, reconstruction, error and output", async () => {
    const { model, sae, x, ref } = await setup();
    const spliced = new SplicedModel(model).attach(sae, { hookName: HOOK });
    const { output, cache } = await spliced.runWithCacheWithSaes(TOKENS, {
      names: [HOOK, `${HOOK}.hook_sae_input`, `${HOOK}.hook_sae_acts_post`, `${HOOK}.hook_sae_recons`, `${HOOK}.hook_sae_error`, `${HOOK}.hook_sae_output`],
    });
    assertClose("output", await output.read(), model.logitsFrom(ref.saeOut), 1e-4, 1e-4);
    const get = (n: string) => cache.get(`${HOOK}.${n}`) as Tensor;
    expect(get("hook_sae_acts_post").shape).toEqual([2, 5, 40]);
    expect(get("hook_sae_recons").shape).toEqual([2, 5, D]);
    assertClose("model activation", await (cache.get(HOOK) as Tensor).read(), x, 0, 0);
    assertClose("hook_sae_input", await get("hook_sae_input").read(), x, 0, 0);
    assertClose("hook_sae_acts_post", await get("hook_sae_acts_post").read(), ref.featureActs, 1e-5, 1e-5);
    assertClose("hook_sae_recons", await get("hook_sae_recons").read(), ref.saeOut, 1e-5, 1e-5);
    assertClose("hook_sae_error", await get("hook_sae_error").read(), Float64Array.from(x, (v, i) => v - ref.saeOut[i]), 1e-5, 1e-5);
    assertClose("hook_sae_output", await get("hook_sae_output").read(), ref.saeOut, 1e-5, 1e-5);
    for (const t of cache.values()) t.dispose();
    sae.dispose();
  });

  test("d_in mismatch and unknown hooks are typed errors naming the hook and both widths", async () => {
    const { device, model } = await setup();
    const narrow = Sae.create(device, { d_in: 12, d_sae: 20, hook_name: HOOK });
    const spliced = new SplicedModel(model).attach(narrow);
    await expect(spliced.run(TOKENS)).rejects.toThrow(HookMismatchError);
    await expect(spliced.run(TOKENS)).rejects.toThrow(`SAE at '${HOOK}' has d_in 12 but the activation there is 16 wide (shape [2, 5, 16])`);
    expect(() => spliced.attach(narrow, { hookName: "blocks.7.hook_resid_pre" })).toThrow(/no such hook point; valid: hook_embed, blocks\.0\.hook_resid_pre/);
    await expect(spliced.runWithCacheWithSaes(TOKENS, { names: ["blocks.0.hook_resid_post.hook_sae_acts_post"] })).rejects.toThrow(/no SAE is attached at 'blocks\.0\.hook_resid_post'/);
    narrow.dispose();
  });
});

const Z_HOOK = "blocks.0.attn.hook_z";
const [ZB, ZP, NH, DH, ZV] = [2, 5, 3, 4, 7];

/** z [batch, pos, n_heads, d_head] given as input -> hook_z -> logits = z_flat W_O [n_heads * d_head, V]. */
class FakeAttnModel implements HookableModel<Float32Array> {
  readonly device: Device;
  readonly Wo: Float32Array;
  private W: Tensor;
  constructor(device: Device) {
    this.device = device;
    this.Wo = new Rng(8).normalArray(NH * DH * ZV, 0.5);
    this.W = Tensor.from(device, [NH * DH, ZV], this.Wo);
  }
  hookNames(): string[] {
    return [Z_HOOK];
  }
  async runWithHooks(z: Float32Array, hooks: Readonly<Record<string, SpliceHook>>): Promise<Tensor> {
    let act = Tensor.from(this.device, [ZB, ZP, NH, DH], z);
    const r = await hooks[Z_HOOK]?.(act, { name: Z_HOOK, layer: 0, posOffset: 0 });
    if (r) {
      expect(r.shape).toEqual([ZB, ZP, NH, DH]); // the model gets its 4-D shape back
      act.dispose();
      act = r;
    }
    const logits = Tensor.empty(this.device, [ZB, ZP, ZV]);
    matmul(act.reshape([ZB * ZP, NH * DH]), this.W, { out: logits.reshape([ZB * ZP, ZV]) });
    act.dispose();
    return logits;
  }
  logitsFrom(zFlat: ArrayLike<number>): Float64Array {
    const out = new Float64Array(ZB * ZP * ZV);
    for (let n = 0; n < ZB * ZP; n++) {
      for (let h = 0; h < NH; h++) {
        for (let d = 0; d < DH; d++) {
          const v = zFlat[n * NH * DH + h * DH + d]; // "(n_heads d_head)": head major
          for (let o = 0; o < ZV; o++) out[n * ZV + o] += v * this.Wo[(h * DH + d) * ZV + o];
        }
      }
    }
    return out;
  }
}

describe("a hook_z SAE spliced at blocks.L.attn.hook_z", () => {
  test("[batch, pos, n_heads, d_head] is flattened for the SAE and restored; values match PyTorch", async () => {
    const device = await getDevice();
    const dir = join(FIXTURES, "hook_z_kk");
    const sae = loadHookZ(join(dir, "tiny_L0_Hcat_z.pt"), join(dir, "tiny_L0_Hcat_z_cfg.json"), device);
    const exp = loadSafetensorsFile(join(dir, "expected.safetensors")).tensors;
    const z = exp.get("z")?.data as Float32Array; // [2, 5, 3, 4]
    const recon = exp.get("recon")?.data as Float32Array; // [10, 12]
    const model = new FakeAttnModel(device);
    const spliced = new SplicedModel(model).attach(sae);
    expect(spliced.attached).toEqual([Z_HOOK]);
    const names = ["hook_sae_input", "hook_sae_acts_post", "hook_sae_recons", "hook_sae_error", "hook_sae_output"].map((n) => `${Z_HOOK}.${n}`);
    const { output, cache } = await spliced.runWithCacheWithSaes(z, { names: [Z_HOOK, ...names] });
    assertClose("logits through the hook_z SAE", await output.read(), model.logitsFrom(recon), 1e-4, 1e-4);
    const get = (n: string) => cache.get(`${Z_HOOK}.${n}`) as Tensor;
    expect((cache.get(Z_HOOK) as Tensor).shape).toEqual([ZB, ZP, NH, DH]);
    expect(get("hook_sae_input").shape).toEqual([ZB, ZP, NH * DH]);
    expect(get("hook_sae_acts_post").shape).toEqual([ZB, ZP, 20]);
    expect(get("hook_sae_recons").shape).toEqual([ZB, ZP, NH * DH]);
    expect(get("hook_sae_error").shape).toEqual([ZB, ZP, NH, DH]);
    expect(get("hook_sae_output").shape).toEqual([ZB, ZP, NH, DH]);
    assertClose("hook_sae_input", await get("hook_sae_input").read(), z, 0, 0);
    assertClose("hook_sae_acts_post", await get("hook_sae_acts_post").read(), exp.get("acts")?.data as Float32Array, 1e-5, 1e-5);
    assertClose("hook_sae_output", await get("hook_sae_output").read(), recon, 1e-5, 1e-5);
    assertClose("hook_sae_error", await get("hook_sae_error").read(), z.map((v, i) => v - recon[i]), 1e-5, 1e-5);
    for (const t of cache.values()) t.dispose();
    spliced.attach(sae, { errorTerm: true });
    assertClose("error term: clean logits", await (await spliced.run(z)).read(), model.logitsFrom(z), 1e-4, 1e-4);
    const wrong = Sae.create(device, { d_in: 10, d_sae: 8, hook_name: Z_HOOK });
    spliced.attach(wrong);
    await expect(spliced.run(z)).rejects.toThrow(`SAE at '${Z_HOOK}' has d_in 10 but the activation there is 4 wide (shape [2, 5, 3, 4]) (a hook_z SAE needs n_heads * d_head = 10, got 3 * 4)`);
    wrong.dispose();
    sae.dispose();
  });
});

/** Host decode of f [n, d_sae] with the SAE's W_dec, b_dec (float64). */
function hostDecode(h: Record<string, Float32Array>, f: ArrayLike<number>, dSae: number): Float64Array {
  const n = f.length / dSae;
  const out = new Float64Array(n * D);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < D; c++) {
      let s = h.b_dec[c];
      for (let i = 0; i < dSae; i++) s += f[r * dSae + i] * h.W_dec[i * D + c];
      out[r * D + c] = s;
    }
  }
  return out;
}

describe("HookedSAETransformer parity: SAE-internal hook points, clean error term, run_with_saes", () => {
  test("hook_sae_acts_pre is cached and editable; editing latents with the error term changes only the edit", async () => {
    const { model, sae, x, ref } = await setup();
    const host = await sae.toHost();
    const s = sae.cfg.d_sae;
    const spliced = new SplicedModel(model).attach(sae, { hookName: HOOK, errorTerm: true });
    const { cache, output } = await spliced.runWithCacheWithSaes(TOKENS, { names: [`${HOOK}.hook_sae_acts_pre`] });
    expect(cache.get(`${HOOK}.hook_sae_acts_pre`)?.shape).toEqual([2, 5, s]);
    assertClose("hook_sae_acts_pre", await cache.get(`${HOOK}.hook_sae_acts_pre`)!.read(), ref.hiddenPre, 1e-5, 1e-5);
    assertClose("error term, no edit: clean logits", await output.read(), model.logitsFrom(x), 1e-4, 1e-4);
    // zero latent j wherever it fires: the output moves by exactly -f_j W_dec[j] (error term from the clean pass)
    const j = ref.featureActs.findIndex((v) => v > 0) % s;
    const edited = Float64Array.from(ref.featureActs, (v, i) => (i % s === j ? 0 : v));
    const kill: SpliceHook = async (f) => {
      const a = (await f.read()) as Float32Array;
      for (let i = j; i < a.length; i += s) a[i] = 0;
      return Tensor.from(f.device, f.shape, a);
    };
    const want = (fEdit: ArrayLike<number>) => {
      const dec = hostDecode(host, fEdit, s);
      return model.logitsFrom(Float64Array.from(x, (v, i) => v + dec[i] - ref.saeOut[i]));
    };
    assertClose("edit acts_post", await (await spliced.run(TOKENS, { [`${HOOK}.hook_sae_acts_post`]: kill })).read(), want(edited), 1e-4, 1e-4);
    // +3 on every pre-activation of latent j: f_j = ReLU(pre_j + 3)
    const bump: SpliceHook = async (pre) => {
      const a = (await pre.read()) as Float32Array;
      for (let i = j; i < a.length; i += s) a[i] += 3;
      return Tensor.from(pre.device, pre.shape, a);
    };
    const bumped = Float64Array.from(ref.featureActs, (v, i) => (i % s === j ? Math.max(ref.hiddenPre[i] + 3, 0) : v));
    assertClose("edit acts_pre", await (await spliced.run(TOKENS, { [`${HOOK}.hook_sae_acts_pre`]: bump })).read(), want(bumped), 1e-4, 1e-4);
    // without the error term, the same edit goes straight through the reconstruction
    spliced.attach(sae, { hookName: HOOK });
    assertClose("edit, no error term", await (await spliced.run(TOKENS, { [`${HOOK}.hook_sae_acts_post`]: kill })).read(), model.logitsFrom(hostDecode(host, edited, s)), 1e-4, 1e-4);
    await expect(spliced.run(TOKENS, { [`${HOOK}.hook_sae_latents`]: kill })).rejects.toThrow("'hook_sae_latents' is not an SAE hook point");
    for (const t of cache.values()) t.dispose();
    sae.dispose();
  });

  test("runWithSaes / withSaes attach only for the call and restore what was attached, also on error", async () => {
    const { device, model, sae, x, ref } = await setup();
    const spliced = new SplicedModel(model);
    expect(x.length).toBe(10 * D);
    assertClose("runWithSaes", await (await spliced.runWithSaes(TOKENS, [[sae, { hookName: HOOK }]])).read(), model.logitsFrom(ref.saeOut), 1e-4, 1e-4);
    expect(spliced.attached).toEqual([]);
    const other = Sae.create(device, { d_in: D, d_sae: 8, hook_name: "blocks.0.hook_resid_post" });
    spliced.attach(other);
    const got = await spliced.withSaes([[sae, { hookName: HOOK }]], async () => {
      expect(spliced.attached.sort()).toEqual([HOOK, "blocks.0.hook_resid_post"].sort());
      return (await spliced.run(TOKENS)).read();
    });
    expect(spliced.attached).toEqual(["blocks.0.hook_resid_post"]);
    const both = await (await new SplicedModel(model).attach(sae, { hookName: HOOK }).attach(other).run(TOKENS)).read();
    assertClose("withSaes = both attached", got, both, 0, 0);
    const only = await (await spliced.run(TOKENS)).read();
    expect(Math.max(...Array.from(only, (v, i) => Math.abs(v - model.logitsFrom(x)[i])))).toBeGreaterThan(1e-3); // other still spliced
    spliced.detach();
    await expect(spliced.withSaes([[sae, { hookName: HOOK }]], async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(spliced.attached).toEqual([]);
    for (const s of [sae, other]) s.dispose();
  });
});

test("hook_sae_recons is f W_dec + b_dec before a layer_norm SAE maps it back (SAELens's order); output after", async () => {
  const { device, model, x } = await setup();
  const sae = Sae.create(device, { d_in: D, d_sae: 40, normalize_activations: "layer_norm", hook_name: HOOK }, 2);
  const host = await sae.toHost();
  const spliced = new SplicedModel(model).attach(sae);
  const names = ["hook_sae_acts_post", "hook_sae_recons", "hook_sae_output"].map((n) => `${HOOK}.${n}`);
  const { cache } = await spliced.runWithCacheWithSaes(TOKENS, { names });
  const f = await cache.get(names[0])!.read();
  const raw = hostDecode(host, f, 40);
  assertClose("recons = f W_dec + b_dec", await cache.get(names[1])!.read(), raw, 1e-5, 1e-5);
  // output = raw * (std + eps) + mean of each token of x (unbiased std, as torch.std)
  const out = Float64Array.from(raw, (v, i) => {
    const row = x.subarray(Math.floor(i / D) * D, Math.floor(i / D) * D + D);
    const mean = row.reduce((a, b) => a + b, 0) / D;
    const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / (D - 1));
    return v * (std + 1e-5) + mean;
  });
  assertClose("output = recons mapped back", await cache.get(names[2])!.read(), out, 1e-4, 1e-4);
  for (const t of cache.values()) t.dispose();
  sae.dispose();
});

describe("hook_z reshaping as an option, and hook_head_index", () => {
  test("hookZ: false refuses a [.., n_heads, d_head] activation; headIndex reads and replaces one head", async () => {
    const device = await getDevice();
    const model = new FakeAttnModel(device);
    const z = new Rng(3).normalArray(ZB * ZP * NH * DH);
    const flatSae = Sae.create(device, { d_in: NH * DH, d_sae: 9, hook_name: Z_HOOK }, 4);
    const spliced = new SplicedModel(model).attach(flatSae, { hookZ: false });
    await expect(spliced.run(z)).rejects.toThrow(`SAE at '${Z_HOOK}' has d_in 12 but the activation there is 4 wide`);
    flatSae.dispose();
    // a d_head-wide SAE on head 1 only
    const head = Sae.create(device, { d_in: DH, d_sae: 6, hook_name: Z_HOOK, hook_head_index: 1 }, 6);
    spliced.attach(head);
    const rows = Float32Array.from({ length: ZB * ZP * DH }, (_, i) => z[Math.floor(i / DH) * NH * DH + DH + (i % DH)]);
    const xt = Tensor.from(device, [ZB * ZP, DH], rows);
    const recon = (await head.decode(await head.encode(xt)).read()) as Float32Array; // [batch * pos, d_head]
    const want = Float32Array.from(z, (v, i) => (Math.floor(i / DH) % NH === 1 ? recon[Math.floor(i / (NH * DH)) * DH + (i % DH)] : v));
    const { output, cache } = await spliced.runWithCacheWithSaes(z, { names: [`${Z_HOOK}.hook_sae_input`, `${Z_HOOK}.hook_sae_output`] });
    assertClose("only head 1 replaced", await output.read(), model.logitsFrom(want), 1e-4, 1e-4);
    expect(cache.get(`${Z_HOOK}.hook_sae_input`)?.shape).toEqual([ZB, ZP, DH]);
    assertClose("head 1 input", await cache.get(`${Z_HOOK}.hook_sae_input`)!.read(), rows, 0, 0);
    spliced.attach(head, { headIndex: 5 });
    await expect(spliced.run(z)).rejects.toThrow(`cannot read head 5 of [${ZB}, ${ZP}, ${NH}, ${DH}]`);
    for (const t of [...cache.values(), xt]) t.dispose();
    head.dispose();
  });
});
