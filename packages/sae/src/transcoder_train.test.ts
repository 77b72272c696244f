// Plain Transcoder training (this project's extension; SAELens 6.18 has only inference transcoders): a standard
// SAE with apply_b_dec_to_input false trained against the output hook (TrainContext.target) matches PyTorch
// autograd (fixtures/transcoder_train.json from scripts/transcoder_train_golden.py) in every loss term and every
// parameter gradient, within 1e-5 abs + 1e-4 rel; saved in SAELens's Transcoder folder layout it loads back with
// loadTranscoder and encodes / decodes the same. Misuse (another architecture, b_dec on the input, a target of the
// wrong shape) is a typed error.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, ShapeError, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { makeConfig } from "./config.ts";
import { SaeConfigError } from "./errors.ts";
import { Sae } from "./sae.ts";
import { Transcoder } from "./transcoder.ts";
import { saveTranscoder, loadTranscoder } from "./transcoder_files.ts";

const fx = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/transcoder_train.json"), "utf8"));
const device = await getDevice();
const f32 = (a: number[]) => Float32Array.from(a);
const close = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => assertClose(what, got, want, 1e-4, 1e-5);
const IN = "blocks.1.ln2.hook_normalized";
const OUT = "blocks.1.hook_mlp_out";

function transcoderSae(fields: Record<string, unknown> = {}): Sae {
  const cfg = makeConfig({
    architecture: "standard",
    d_in: fx.d_in,
    d_sae: fx.d_sae,
    apply_b_dec_to_input: false,
    l1_coefficient: fx.l1_coefficient,
    hook_name: IN,
    ...fields,
  });
  const host = Object.fromEntries(Object.entries(fx.params as Record<string, number[]>).map(([k, v]) => [k, f32(v)]));
  const sae = Sae.fromHost(device, cfg, host);
  sae.extraConfig = { transcoder: "transcoder", hook_name_out: OUT, d_out: fx.d_in };
  return sae;
}

describe("plain transcoder training (standard objective against the output hook)", () => {
  test("losses and every gradient match PyTorch autograd", async () => {
    const sae = transcoderSae();
    const x = Tensor.from(device, [fx.batch, fx.d_in], f32(fx.x));
    const y = Tensor.from(device, [fx.batch, fx.d_in], f32(fx.y));
    const out = await sae.trainForward(x, { target: y, sparseMaxActive: fx.d_sae });
    for (const name of ["mse_loss", "l1_loss"]) close(name, await out.losses[name].read(), [fx.losses[name]]);
    close("loss", await out.loss.read(), [fx.losses.loss]);
    close("feature_acts", await out.featureActs.read(), fx.feature_acts);
    close("sae_out", await out.saeOut.read(), fx.sae_out);
    const grads = sae.backward();
    expect(Object.keys(grads).sort()).toEqual(Object.keys(fx.grads).sort());
    for (const [name, want] of Object.entries(fx.grads as Record<string, number[]>)) {
      close(`grad ${name}`, await grads[name].read(), want);
    }
    for (const g of Object.values(grads)) g.dispose();
    sae.dispose();
    for (const t of [x, y]) t.dispose();
  });

  test("saved as a SAELens Transcoder folder, loadTranscoder encodes and decodes the same", async () => {
    const sae = transcoderSae();
    const dir = mkdtempSync(join(tmpdir(), "tc-train-"));
    await saveTranscoder(await Transcoder.fromSae(sae), dir);
    const cfg = JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8"));
    const got = [cfg.architecture, cfg.d_in, cfg.d_sae, cfg.d_out, cfg.apply_b_dec_to_input];
    expect(got).toEqual(["transcoder", fx.d_in, fx.d_sae, fx.d_in, false]);
    expect([cfg.metadata.hook_name, cfg.metadata.hook_name_out]).toEqual([IN, OUT]);
    const tc = loadTranscoder(dir, device);
    const x = Tensor.from(device, [fx.batch, fx.d_in], f32(fx.x));
    const [fa, fb] = [await sae.encode(x), await tc.encode(x)];
    const fHost = (await fa.read()) as Float32Array;
    close("encode", await fb.read(), fHost);
    close("encode vs torch", fHost, fx.feature_acts);
    const [da, db] = [sae.decode(fa), tc.decode(fb)];
    close("decode", await db.read(), (await da.read()) as Float32Array);
    for (const t of [fa, fb, da, db, x]) t.dispose();
    tc.dispose();
    sae.dispose();
  });

  test("a target needs a standard SAE without b_dec on the input, and the batch's shape", async () => {
    const x = Tensor.from(device, [fx.batch, fx.d_in], f32(fx.x));
    const y = Tensor.from(device, [fx.batch, fx.d_in], f32(fx.y));
    const withBdec = transcoderSae({ apply_b_dec_to_input: true });
    await expect(withBdec.trainForward(x, { target: y })).rejects.toThrow(SaeConfigError);
    const short = Tensor.from(device, [2, fx.d_in], f32(fx.y.slice(0, 2 * fx.d_in)));
    await expect(transcoderSae().trainForward(x, { target: short })).rejects.toThrow(ShapeError);
    const topk = Sae.create(device, { architecture: "topk", d_in: fx.d_in, d_sae: fx.d_sae, k: 2 });
    const only = "trains against a target (transcoder) only as 'standard'";
    await expect(topk.trainForward(x, { target: y })).rejects.toThrow(only);
    for (const t of [x, y, short]) t.dispose();
  });
});
