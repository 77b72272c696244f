// Transcoders against SAELens 6.18's own Transcoder / SkipTranscoder / JumpReLUTranscoder
// (fixtures/saelens_inference.json "transcoders", scripts/saelens_inference_goldens.py): the cfg.json and weights
// SAELens's save_model wrote load here, and encode / decode / forward agree within 1e-5 abs / 1e-4 rel; spliced into
// a fake two-hook model, the input hook is read and the output hook replaced.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, matmul, Tensor, type Device } from "@sae/tensor-core";
import { saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { HookMismatchError } from "./errors.ts";
import { SplicedModel, type HookableModel, type SpliceHook } from "./spliced.ts";
import { Sae } from "./sae.ts";
import { Transcoder } from "./transcoder.ts";
import { loadTranscoder } from "./transcoder_files.ts";

interface Enc {
  shape: number[];
  data: (number | string)[];
}
const f32 = (t: Enc) => Float32Array.from(t.data, (v) => (typeof v === "number" ? v : Number(v)));
const fx = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/saelens_inference.json"), "utf8"));
const device = await getDevice();
const close = (what: string, got: ArrayLike<number>, want: Enc | ArrayLike<number>) =>
  assertClose(what, got, "data" in want ? f32(want as Enc) : (want as ArrayLike<number>), 1e-4, 1e-5);

function folder(c: { cfg_json: unknown; state_dict: Record<string, Enc> }): string {
  const dir = mkdtempSync(join(tmpdir(), "saelens-tc-"));
  writeFileSync(join(dir, "cfg.json"), JSON.stringify(c.cfg_json));
  saveSafetensorsFile(join(dir, "sae_weights.safetensors"), Object.fromEntries(Object.entries(c.state_dict).map(([k, v]) => [k, { shape: v.shape, data: f32(v) }])));
  return dir;
}

const IN = "blocks.0.ln2.hook_normalized";
const OUT = "blocks.0.hook_mlp_out";

/** x [batch, pos, 8] given -> IN -> mlp_out = x M [.., 6] -> OUT -> logits = mlp_out U [.., 5]. */
class TwoHookModel implements HookableModel<Float32Array> {
  readonly device: Device;
  readonly M: Tensor;
  readonly U: Tensor;
  constructor(device: Device, Mh: Float32Array, Uh: Float32Array) {
    this.device = device;
    this.M = Tensor.from(device, [8, 6], Mh);
    this.U = Tensor.from(device, [6, 5], Uh);
  }
  hookNames(): string[] {
    return [IN, OUT];
  }
  async runWithHooks(x: Float32Array, hooks: Readonly<Record<string, SpliceHook>>): Promise<Tensor> {
    const n = x.length / 8;
    const apply = async (name: string, t: Tensor) => ((await hooks[name]?.(t, { name })) as Tensor | undefined) ?? t;
    const a = await apply(IN, Tensor.from(this.device, [2, n / 2, 8], x));
    const m = await apply(OUT, matmul(a.reshape([n, 8]), this.M).reshape([2, n / 2, 6]));
    return matmul(m.reshape([n, 6]), this.U);
  }
}

describe("SAELens 6.18 transcoders load and run here", () => {
  for (const c of fx.transcoders) {
    test(`${c.name} (${c.loaded_class.split(".").pop()})`, async () => {
      const tc = loadTranscoder(folder(c), device);
      expect([tc.cfg.d_in, tc.cfg.d_out, tc.cfg.hook_name, tc.cfg.hook_name_out]).toEqual([8, 6, IN, OUT]);
      const x = Tensor.from(device, c.x.shape, f32(c.x));
      const f = await tc.encode(x);
      close("encode", await f.read(), c.encode);
      close("decode", await tc.decode(f).read(), c.decode);
      close("forward", await (await tc.forward(x)).read(), c.forward);
      const [B, d] = c.x.shape;
      const x3 = Tensor.from(device, [2, B / 2, d], f32(c.x));
      const y3 = await tc.forward(x3);
      expect(y3.shape).toEqual([2, B / 2, 6]);
      close("forward [2, batch / 2, d_in]", await y3.read(), c.forward);
      // spliced: the input hook is read, the output hook replaced by forward(input)
      const Mh = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
      const Uh = Float32Array.from({ length: 30 }, (_, i) => Math.cos(i));
      const model = new TwoHookModel(device, Mh, Uh);
      const spliced = new SplicedModel(model).attachTranscoder(tc);
      expect(spliced.attachedTranscoders).toEqual([{ input: IN, output: OUT }]);
      const got = await (await spliced.run(f32(c.x))).read();
      const fw = f32(c.forward);
      const want = Float64Array.from({ length: B * 5 }, (_, i) => {
        let s = 0;
        for (let k = 0; k < 6; k++) s += fw[Math.floor(i / 5) * 6 + k] * Uh[k * 5 + (i % 5)];
        return s;
      });
      close("spliced logits", got, want);
      // fold_W_dec_norm: SAELens's state after folding, and the same outputs from it
      await tc.foldWDecNorm();
      for (const [k, v] of Object.entries(c.fold_W_dec_norm.state_dict_after as Record<string, Enc>)) {
        close(`folded ${k}`, await tc.params[k].read(), v);
      }
      close("folded encode", await (await tc.encode(x)).read(), c.fold_W_dec_norm.encode);
      close("folded forward", await (await tc.forward(x)).read(), c.fold_W_dec_norm.forward);
      tc.dispose();
    });
  }

  test("Transcoder.fromBytes (no file system) of SAELens's files encodes and forwards as SAELens", async () => {
    for (const c of fx.transcoders) {
      const dir = folder(c);
      const bytes = { cfg: readFileSync(join(dir, "cfg.json"), "utf8"), weights: readFileSync(join(dir, "sae_weights.safetensors")) };
      const tc = Transcoder.fromBytes({ ...bytes, label: "https://example.org/tc" }, device);
      expect(tc.cfg).toEqual(loadTranscoder(dir, device).cfg);
      const x = Tensor.from(device, c.x.shape, f32(c.x));
      close(`${c.name} encode`, await (await tc.encode(x)).read(), c.encode);
      close(`${c.name} forward`, await (await tc.forward(x)).read(), c.forward);
      const { cfg, weights } = await tc.toFolder();
      expect(cfg.d_out).toBe(6);
      expect(Object.keys(weights).sort()).toEqual(Object.keys(c.state_dict).sort());
      tc.dispose();
    }
    const bad = { cfg: "{not json", weights: new Uint8Array(8), label: "https://example.org/tc" };
    expect(() => Transcoder.fromBytes(bad, device)).toThrow("https://example.org/tc/cfg.json: not valid JSON");
  });

  test("a transcoder release held as a jumprelu Sae (extraConfig) becomes a Transcoder with the same outputs", async () => {
    const sae = Sae.create(device, { architecture: "jumprelu", d_in: 8, d_sae: 24, apply_b_dec_to_input: false, hook_name: IN }, 9);
    sae.extraConfig = { transcoder: "jumprelu_transcoder", hook_name_out: OUT, d_out: 8 };
    const tc = await Transcoder.fromSae(sae);
    expect([tc.cfg.architecture, tc.cfg.hook_name_out]).toEqual(["jumprelu_transcoder", OUT]);
    const x = Tensor.from(device, [6, 8], Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.3)));
    const want = await sae.decode(await sae.encode(x)).read();
    close("fromSae forward", await (await tc.forward(x)).read(), want);
    sae.extraConfig = {};
    await expect(Transcoder.fromSae(sae)).rejects.toThrow("is not a transcoder release");
    for (const m of [sae, tc]) m.dispose();
  });

  test("config and shape errors name the field, file and widths", async () => {
    const c = fx.transcoders[0];
    expect(() => loadTranscoder(folder({ ...c, cfg_json: { ...c.cfg_json, apply_b_dec_to_input: true } }), device)).toThrow("transcoders support apply_b_dec_to_input = false only");
    expect(() => loadTranscoder(folder({ ...c, cfg_json: { ...c.cfg_json, d_out: 7 } }), device)).toThrow("tensor 'W_dec' has shape [24, 6], expected [24, 7] (d_in 8, d_sae 24, d_out 7 in cfg.json)");
    const tc = loadTranscoder(folder(c), device);
    await expect(tc.encode(Tensor.from(device, [2, 5], new Float32Array(10)))).rejects.toThrow("transcoder at blocks.0.ln2.hook_normalized: input [2, 5] must be [..., 8]");
    const model = new TwoHookModel(device, new Float32Array(48), new Float32Array(30));
    expect(() => new SplicedModel(model).attachTranscoder(tc, { outputHook: IN })).toThrow(HookMismatchError);
    tc.dispose();
  });
});
