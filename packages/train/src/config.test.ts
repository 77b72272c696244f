import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeDims, DEFAULT_CONFIG, resolveConfig, totalSteps } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { configFromArgs, parseFlags } from "./flags.ts";
import { closest, editDistance } from "./suggest.ts";

describe("config", () => {
  test("defaults follow SAELens names and derive hook_layer / d_sae", () => {
    const c = resolveConfig();
    expect(c.architecture).toBe("topk");
    expect(c.hook_name).toBe("blocks.1.hook_resid_pre");
    expect(c.hook_layer).toBe(1);
    expect(c.d_in).toBeNull();
    completeDims(c, 96);
    expect(c.d_in).toBe(96);
    expect(c.d_sae).toBe(96 * DEFAULT_CONFIG.expansion_factor);
    expect(totalSteps(c)).toBe(Math.ceil(c.training_tokens / c.train_batch_size_tokens));
  });

  test("unknown keys are rejected with a suggestion", () => {
    expect(() => resolveConfig({ l1_coeficient: 1 })).toThrow("unknown key 'l1_coeficient' (did you mean 'l1_coefficient'?)");
    expect(() => resolveConfig({ architecture: "topK" })).toThrow(/one of standard\|gated\|jumprelu\|topk\|batchtopk \(did you mean 'topk'\?\)/);
    expect(() => resolveConfig({ context_size: 1.5 })).toThrow("'context_size' must be an integer, got 1.5");
    expect(() => resolveConfig({ lr: -1 })).toThrow(ConfigError);
    expect(() => completeDims(resolveConfig({ d_in: 10 }), 12)).toThrow("d_in 10 does not match the width 12");
    expect(() => completeDims(resolveConfig({ k: 200, d_sae: 100, d_in: 12 }), 12)).toThrow("k 200 exceeds d_sae 100");
  });

  test("edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(closest("--l1-coeff", ["--l1-coefficient", "--lr"])).toBeUndefined();
    expect(closest("--lr-warmup-steps", ["--lr-warm-up-steps", "--lr"])).toBe("--lr-warm-up-steps");
  });
});

describe("flags", () => {
  test("flags derive from config keys", () => {
    const p = parseFlags(["--l1-coefficient", "5e-5", "--resume", "--no-prepend-bos", "--d-sae=null", "--architecture=standard", "pos"]);
    expect(p.overrides).toEqual({ l1_coefficient: 5e-5, resume: true, prepend_bos: false, d_sae: null, architecture: "standard" });
    expect(p.positional).toEqual(["pos"]);
    expect(parseFlags(["--html-report=false"]).overrides).toEqual({ html_report: false });
  });

  test("unknown flags and bad values are errors with suggestions", () => {
    expect(() => parseFlags(["--l1-coeficient", "1"])).toThrow("unknown flag --l1-coeficient (did you mean '--l1-coefficient'?)");
    expect(() => parseFlags(["--lr", "fast"])).toThrow("--lr: expected a number, got 'fast'");
    expect(() => parseFlags(["--lr"])).toThrow("--lr: missing value");
    expect(() => parseFlags(["--out", "x"], {}, false)).toThrow("unknown flag --out");
    expect(parseFlags(["--out", "x", "--n", "3"], { out: "string", n: "number" }, false).extra).toEqual({ out: "x", n: 3 });
  });

  test("--config file then flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "sae-cfg-"));
    const f = join(dir, "c.json");
    writeFileSync(f, JSON.stringify({ lr: 1e-3, k: 8, architecture: "batchtopk" }));
    const c = configFromArgs(parseFlags(["--config", f, "--k", "4"]));
    expect([c.lr, c.k, c.architecture]).toEqual([1e-3, 4, "batchtopk"]);
    writeFileSync(f, JSON.stringify({ lrr: 1 }));
    expect(() => configFromArgs(parseFlags(["--config", f]))).toThrow(`${f}: unknown key 'lrr' (did you mean 'lr'?)`);
    writeFileSync(f, "{ nope");
    expect(() => configFromArgs(parseFlags(["--config", f]))).toThrow("not valid JSON");
  });
});
