// Issue 15 defects #7, #9 and #16 at the SAE loader: cfg.json fields of the wrong JSON type are errors naming the
// field and the file (never coerced: "false" is not true), NaN/Inf weights are refused naming the tensor and its first
// bad element, and a folder without its weights file is a CheckpointError, not an ENOENT with a stack.
import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice } from "@sae/tensor-core";
import { configFromSaeLens } from "./config.ts";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { Sae } from "./sae.ts";
import { FIXTURES } from "./test_fixtures.ts";
import { loadSae } from "./load.ts";

const GOOD = { architecture: "standard", d_in: 4, d_sae: 8, hook_name: "blocks.0.hook_resid_pre", model_name: "gpt2" };

/** Overwrites float32 element `at` of tensor `name` in a safetensors file with `value`. */
function poke(file: string, name: string, at: number, value: number): void {
  const b = readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  const [start] = JSON.parse(b.subarray(8, 8 + n).toString("utf8"))[name].data_offsets as number[];
  b.writeFloatLE(value, 8 + n + start + 4 * at);
  writeFileSync(file, b);
}

describe("cfg.json field types (#16)", () => {
  test("a string where a boolean, number or integer belongs is an error naming field and file", () => {
    const cases: [string, unknown, string][] = [
      ["apply_b_dec_to_input", "false", "true or false"],
      ["prepend_bos", "no", "true or false"],
      ["finetuning_scaling_factor", "false", "true or false"],
      ["context_size", "128", "an integer or null"],
      ["hook_head_index", 1.5, "an integer or null"],
      ["l1_coefficient", "5", "a finite number"],
      ["model_name", 7, "a string"],
      ["neuronpedia_id", false, "a string or null"],
    ];
    for (const [field, value, want] of cases) {
      const run = () => configFromSaeLens({ ...GOOD, [field]: value }, "/x/cfg.json");
      expect(run).toThrow(SaeConfigError);
      expect(run).toThrow(`/x/cfg.json: field '${field}' must be ${want}, got ${JSON.stringify(value)}`);
    }
    expect(() => configFromSaeLens({ ...GOOD, context_size: 0 }, "c.json")).toThrow(/context_size/);
  });

  test("right types, nulls (SAELens's None) and SAELens 6 metadata still load", () => {
    const { cfg } = configFromSaeLens({ ...GOOD, apply_b_dec_to_input: false, prepend_bos: false, neuronpedia_id: null, context_size: null, dataset_path: null, metadata: { context_size: 64 } }, "c.json");
    expect([cfg.apply_b_dec_to_input, cfg.prepend_bos, cfg.neuronpedia_id, cfg.context_size, cfg.dataset_path]).toEqual([false, false, null, 64, ""]);
  });
});

describe("weights at load (#7, #9)", () => {
  test("NaN or Inf in any tensor is a CheckpointError naming the tensor; a missing weights file names the file", async () => {
    const device = await getDevice();
    const tmp = mkdtempSync(join(tmpdir(), "sae-nan-"));
    try {
      const dir = join(tmp, "sae");
      cpSync(join(FIXTURES, "ckpt_v5_standard"), dir, { recursive: true });
      const ok = loadSae(dir, device);
      const { d_in } = ok.cfg;
      const file = join(dir, "sae_weights.safetensors");
      poke(file, "W_enc", d_in + 2, Number.NaN);
      expect(() => loadSae(dir, device)).toThrow(CheckpointError);
      expect(() => loadSae(dir, device)).toThrow(new RegExp(`tensor 'W_enc' \\[${d_in}, ${ok.cfg.d_sae}\\] holds 1 non-finite value\\(s\\) \\(first: NaN at \\[0, ${d_in + 2}\\]\\)`));
      poke(file, "W_enc", d_in + 2, 0);
      poke(file, "b_dec", 1, Number.POSITIVE_INFINITY);
      expect(() => loadSae(dir, device)).toThrow(/'b_dec' \[\d+\] holds 1 non-finite value\(s\) \(first: Infinity at \[1\]\)/);
      rmSync(file);
      expect(() => loadSae(dir, device)).toThrow(CheckpointError);
      expect(() => loadSae(dir, device)).toThrow(`${file}: file not found`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
