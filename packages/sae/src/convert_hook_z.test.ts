// The connor_rob_hook_z conversion against the fixture scripts/make_hook_z_fixture.py writes in the release's
// original layout (a torch.save'd state_dict .pt with a transposed, non-contiguous W_enc, and the run's _cfg.json):
// the torch reader's tensors, the mapped config, and encode/decode against PyTorch's float64 values; bad files
// are typed errors naming the file and tensor.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, getDevice, Tensor } from "@sae/tensor-core";
import { loadSafetensorsFile } from "@sae/tensor-core/node";
import { assertClose } from "@sae/tensor-core/testing";
import { hookZConfigPath } from "./convert/connor_rob_hook_z.ts";
import { hookZConfig } from "./convert_hook_z.ts";
import { loadHookZ } from "./load.ts";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { FIXTURES } from "./test_fixtures.ts";
import { readTorchStateDict } from "./torch_pt.ts";

const DIR = join(FIXTURES, "hook_z_kk");
const PT = join(DIR, "tiny_L0_Hcat_z.pt");
const CFG = join(DIR, "tiny_L0_Hcat_z_cfg.json");

function expected(name: string): { shape: number[]; data: Float32Array } {
  return loadSafetensorsFile(join(DIR, "expected.safetensors")).tensors.get(name) as { shape: number[]; data: Float32Array };
}

describe("hook_z release conversion (connor_rob_hook_z)", () => {
  test("the torch state_dict reader returns every tensor with its shape, strided W_enc made contiguous", () => {
    const t = readTorchStateDict(new Uint8Array(readFileSync(PT)), PT);
    expect([...t.keys()]).toEqual(["W_enc", "W_dec", "b_enc", "b_dec"]);
    expect(t.get("W_enc")?.shape).toEqual([12, 20]);
    expect(t.get("W_dec")?.shape).toEqual([20, 12]);
    expect(t.get("b_enc")?.shape).toEqual([20]);
    expect(t.get("b_dec")?.shape).toEqual([12]);
    expect(t.get("W_enc")?.dtype).toBe("float32");
  });

  test("config: act_size -> d_in, dict_size -> d_sae, act_name -> hook_name; `<run>.pt` -> `<run>_cfg.json`", () => {
    const cfg = hookZConfig(JSON.parse(readFileSync(CFG, "utf8")), CFG);
    expect(cfg).toMatchObject({ architecture: "standard", d_in: 12, d_sae: 20, hook_name: "blocks.0.attn.hook_z", hook_layer: 0, model_name: "gpt2-small", apply_b_dec_to_input: true, normalize_activations: "none", context_size: 128 });
    expect(hookZConfigPath("gpt2-small_L0_Hcat_z_lr1.20e-03_v9.pt")).toBe("gpt2-small_L0_Hcat_z_lr1.20e-03_v9_cfg.json");
    expect(() => hookZConfig({ act_size: 12, dict_size: 20, layer: 0, act_name: "blocks.0.hook_resid_pre" }, "x_cfg.json")).toThrow(SaeConfigError);
    expect(() => hookZConfig({ act_size: "12", dict_size: 20, layer: 0, act_name: "blocks.0.attn.hook_z" }, "x_cfg.json")).toThrow("x_cfg.json: field 'act_size' must be an integer");
  });

  test("encode/decode of flattened hook_z activations match PyTorch", async () => {
    const device = await getDevice();
    const sae = loadHookZ(PT, CFG, device);
    const z = expected("z"); // [2, 5, 3, 4]
    expect(z.shape).toEqual([2, 5, 3, 4]);
    const x = Tensor.from(device, [10, 12], z.data); // [batch * pos, n_heads * d_head]
    const f = await sae.encode(x);
    assertClose("acts", await f.read(), expected("acts").data, 1e-5, 1e-5);
    const r = sae.decode(f);
    assertClose("recon", await r.read(), expected("recon").data, 1e-5, 1e-5);
    for (const t of [x, f, r]) t.dispose();
    sae.dispose();
  });

  test("truncated, non-zip and wrong-shape files are typed errors naming the file", async () => {
    const device = await getDevice();
    const dir = mkdtempSync(join(tmpdir(), "sae-hookz-"));
    const bytes = readFileSync(PT);
    const cut = join(dir, "cut.pt");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
    expect(() => loadHookZ(cut, CFG, device)).toThrow(FormatError);
    const legacy = join(dir, "legacy.pt");
    writeFileSync(legacy, Uint8Array.of(0x80, 0x02, 0x8a, 0x0a));
    expect(() => loadHookZ(legacy, CFG, device)).toThrow(`${legacy}: not a zip-format torch.save file`);
    const wide = join(dir, "wide_cfg.json");
    writeFileSync(wide, JSON.stringify({ ...JSON.parse(readFileSync(CFG, "utf8")), dict_size: 24 }));
    expect(() => loadHookZ(PT, wide, device)).toThrow(CheckpointError);
    expect(() => loadHookZ(PT, wide, device)).toThrow(`${PT}: tensor 'W_enc' has shape [12, 20], expected [12, 24]`);
  });
});
