// SAELens checkpoint interchange: fixtures written by a PyTorch script in the SAELens layout (SAELens 5 flat keys
// with old hook_point spellings; SAELens 6 nested metadata), our files checked for exactly the names, shapes,
// dtypes and cfg keys SAELens reads, and typed errors for broken checkpoints.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile, readSafetensorsHeaderFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { Sae } from "./sae.ts";
import { FIXTURES } from "./test_fixtures.ts";
import { loadSae } from "./load.ts";
import { saveSae } from "./checkpoint.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "sae-ckpt-"));

// SAELens 5's SAEConfig fields (all required there) and SAELens 6's metadata keys.
const SAELENS5_KEYS = [
  "architecture", "d_in", "d_sae", "activation_fn_str", "apply_b_dec_to_input", "finetuning_scaling_factor", "context_size",
  "model_name", "hook_name", "hook_layer", "hook_head_index", "prepend_bos", "dataset_path", "dataset_trust_remote_code",
  "normalize_activations", "dtype", "device", "sae_lens_training_version", "activation_fn_kwargs", "neuronpedia_id",
  "model_from_pretrained_kwargs", "seqpos_slice",
];
const SAELENS6_METADATA = ["model_name", "hook_name", "hook_head_index", "context_size", "prepend_bos", "dataset_path", "neuronpedia_id"];

async function expected(dir: string, sae: Sae): Promise<void> {
  const e = loadSafetensorsFile(join(dir, "expected.safetensors")).tensors;
  const xData = e.get("x")!.data as Float32Array;
  const x = Tensor.from(sae.device, [xData.length / sae.cfg.d_in, sae.cfg.d_in], xData);
  const f = await sae.encode(x);
  assertClose(`${dir} feature acts`, await f.read(), e.get("feature_acts")!.data as Float32Array, 1e-5, 1e-5);
  const out = sae.decode(f);
  assertClose(`${dir} reconstruction`, await out.read(), e.get("sae_out")!.data as Float32Array, 1e-5, 1e-5);
  for (const t of [x, f, out]) t.dispose();
}

describe("SAELens checkpoints", () => {
  test("SAELens 5 layout (flat cfg, hook_point spellings) loads with the values PyTorch computed", async () => {
    const device = await getDevice();
    const dir = join(FIXTURES, "ckpt_v5_standard");
    const sae = loadSae(dir, device);
    expect(sae.cfg.architecture).toBe("standard");
    expect(sae.cfg.hook_name).toBe("blocks.3.hook_resid_pre");
    expect(sae.cfg.hook_layer).toBe(3);
    expect(sae.cfg.dtype).toBe("float32");
    expect(sae.cfg.neuronpedia_id).toBe("gpt2-small/3-res-jb");
    expect(sae.sparsity?.length).toBe(40);
    await expected(dir, sae);
    sae.dispose();
  });

  test("SAELens 6 layout (nested metadata, jumprelu threshold) loads with the values PyTorch computed", async () => {
    const device = await getDevice();
    const dir = join(FIXTURES, "ckpt_v6_jumprelu");
    const sae = loadSae(dir, device);
    expect(sae.cfg.architecture).toBe("jumprelu");
    expect(sae.cfg.hook_name).toBe("blocks.5.hook_resid_post");
    expect(sae.cfg.model_name).toBe("gemma-2-2b");
    expect(sae.cfg.apply_b_dec_to_input).toBe(false);
    await expected(dir, sae);
    sae.dispose();
  });

  test("save writes exactly the names, shapes, dtypes and cfg keys SAELens reads; load round-trips", async () => {
    const device = await getDevice();
    const sae = loadSae(join(FIXTURES, "ckpt_v6_jumprelu"), device);
    const dir = tmp();
    await saveSae(sae, dir);
    const header = readSafetensorsHeaderFile(join(dir, "sae_weights.safetensors"));
    const got = Object.fromEntries(header.entries.map((e) => [e.name, `${e.dtype} [${e.shape.join(", ")}]`]));
    expect(got).toEqual({ W_enc: "F32 [16, 40]", b_enc: "F32 [40]", W_dec: "F32 [40, 16]", b_dec: "F32 [16]", threshold: "F32 [40]" });
    const sp = readSafetensorsHeaderFile(join(dir, "sparsity.safetensors")).entries.map((e) => `${e.name} ${e.dtype} [${e.shape}]`);
    expect(sp).toEqual(["sparsity F32 [40]"]);
    const cfg = JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8"));
    for (const k of SAELENS5_KEYS) expect(cfg).toHaveProperty(k);
    for (const k of SAELENS6_METADATA) expect(cfg.metadata).toHaveProperty(k);
    expect(cfg.architecture).toBe("jumprelu");
    const thr = loadSafetensorsFile(join(dir, "sae_weights.safetensors")).tensors.get("threshold")!.data;
    const orig = loadSafetensorsFile(join(FIXTURES, "ckpt_v6_jumprelu", "sae_weights.safetensors")).tensors.get("threshold")!.data;
    assertClose("threshold round trip", thr as Float32Array, orig as Float32Array, 1e-6, 1e-7);
    const back = loadSae(dir, device);
    await expected(join(FIXTURES, "ckpt_v6_jumprelu"), back);
    sae.dispose();
    back.dispose();
  });

  test("broken checkpoints throw typed errors naming the file and the field", async () => {
    const device = await getDevice();
    const src = join(FIXTURES, "ckpt_v5_standard");
    const weights = loadSafetensorsFile(join(src, "sae_weights.safetensors")).tensors;
    const make = (cfg: (c: Record<string, unknown>) => void, w: (t: Map<string, { shape: number[]; data: Float32Array }>) => void) => {
      const dir = tmp();
      const c = JSON.parse(readFileSync(join(src, "cfg.json"), "utf8"));
      cfg(c);
      writeFileSync(join(dir, "cfg.json"), JSON.stringify(c));
      const t = new Map([...weights].map(([k, v]) => [k, { shape: v.shape, data: v.data as Float32Array }]));
      w(t);
      saveSafetensorsFile(join(dir, "sae_weights.safetensors"), t);
      copyFileSync(join(src, "sparsity.safetensors"), join(dir, "sparsity.safetensors"));
      return dir;
    };
    const missing = make(() => {}, (t) => t.delete("b_enc"));
    expect(() => loadSae(missing, device)).toThrow(CheckpointError);
    expect(() => loadSae(missing, device)).toThrow(/sae_weights\.safetensors: missing tensor 'b_enc' \[40\]/);
    const wrong = make(() => {}, (t) => t.set("W_dec", { shape: [40, 15], data: new Float32Array(600) }));
    expect(() => loadSae(wrong, device)).toThrow(/tensor 'W_dec' has shape \[40, 15\], expected \[40, 16\]/);
    const dIn = make((c) => (c.d_in = 17), () => {});
    expect(() => loadSae(dIn, device)).toThrow(/tensor 'W_enc' has shape \[16, 40\], expected \[17, 40\] \(d_in 17, d_sae 40 in cfg.json\)/);
    const arch = make((c) => (c.architecture = "matryoshka"), () => {});
    expect(() => loadSae(arch, device)).toThrow(SaeConfigError);
    expect(() => loadSae(arch, device)).toThrow(/cfg\.json: field 'architecture': unknown architecture "matryoshka"; valid: standard, gated, jumprelu, topk, batchtopk/);
    const noDsae = make((c) => delete c.d_sae, () => {});
    expect(() => loadSae(noDsae, device)).toThrow(/cfg\.json: missing required field 'd_sae'/);
    expect(() => loadSae(join(tmp(), "nowhere"), device)).toThrow(/nowhere\/cfg\.json: file not found/);
  });
});
