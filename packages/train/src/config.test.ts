import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeDims, DEFAULT_CONFIG, fieldSpec, resolveConfig, runSteps, totalSteps } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { configFromArgs } from "./config-file.ts";
import { parseFlags } from "./flags.ts";
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
    expect(totalSteps(c)).toBe(Math.floor(c.training_tokens / c.train_batch_size_tokens));
  });

  test("steps as SAELens 6.18's total_training_steps (floor), and a budget under one batch is an error", () => {
    expect(totalSteps(resolveConfig({ training_tokens: 10_000, train_batch_size_tokens: 4096 }))).toBe(2);
    expect(totalSteps(resolveConfig({ training_tokens: 8192, train_batch_size_tokens: 4096 }))).toBe(2);
    expect(() => totalSteps(resolveConfig({ training_tokens: 100, train_batch_size_tokens: 4096 }))).toThrow(
      "training_tokens 100 is less than one batch (train_batch_size_tokens 4096)",
    );
    // the run itself: ceil, as fit()'s while n_training_samples < total_training_samples (fit_runs goldens)
    expect(runSteps(resolveConfig({ training_tokens: 10_000, train_batch_size_tokens: 4096 }))).toBe(3);
    expect(runSteps(resolveConfig({ training_tokens: 8192, train_batch_size_tokens: 4096 }))).toBe(2);
    expect(() => runSteps(resolveConfig({ training_tokens: 100, train_batch_size_tokens: 4096 }))).toThrow(ConfigError);
  });

  test("unknown keys are rejected with a suggestion", () => {
    expect(() => resolveConfig({ l1_coeficient: 1 })).toThrow("unknown key 'l1_coeficient' (did you mean 'l1_coefficient'?)");
    expect(() => resolveConfig({ architecture: "topK" })).toThrow(/one of standard\|gated\|jumprelu\|topk\|batchtopk\|matryoshka_batchtopk \(did you mean 'topk'\?\)/);
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
    expect(() => parseFlags(["--lr"])).toThrow("--lr needs a value");
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

// SAELens runner configs, the SAELens 6 ones written by SAELens 6.18 itself (scripts/saelens_config_goldens.py).
describe("--config with SAELens runner configs", () => {
  const fx = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/saelens6_runner_configs.json"), "utf8"));
  const dir = mkdtempSync(join(tmpdir(), "sae-cfg6-"));
  const load = (obj: unknown) => {
    const f = join(dir, "c.json");
    writeFileSync(f, JSON.stringify(obj));
    return configFromArgs(parseFlags(["--config", f]));
  };
  const renamed: Record<string, string> = { decoder_init_norm: "decoder_heuristic_init_norm", l0_coefficient: "l1_coefficient", l0_warm_up_steps: "l1_warm_up_steps" };
  /** Every SAELens value the project models comes through under its project name. */
  const expectSaeLensValues = (saelens: Record<string, unknown>, c: Record<string, unknown>) => {
    const flat: Record<string, unknown> = { ...saelens, ...(saelens.sae as object), ...(saelens.logger as object) };
    let n = 0;
    for (const [k, v] of Object.entries(flat)) {
      const key = fieldSpec(k) ? k : renamed[k];
      if (!key || k === "is_dataset_tokenized") continue;
      expect(`${k} -> ${key} = ${JSON.stringify(c[key])}`).toBe(`${k} -> ${key} = ${JSON.stringify(v)}`);
      n++;
    }
    return n;
  };

  test("SAELens 6 nested configs from SAELens's to_dict(): every modelled value is read", () => {
    const j = load(fx.jumprelu_set.config);
    expect(expectSaeLensValues(fx.jumprelu_set.config, j as never)).toBeGreaterThan(30);
    expect([j.architecture, j.d_in, j.d_sae, j.lr, j.lr_end, j.context_size, j.exclude_special_tokens]).toEqual(["jumprelu", 64, 128, 1e-3, fx.jumprelu_set.resolved.lr_end, 32, true]);
    expect([j.jumprelu_bandwidth, j.jumprelu_init_threshold, j.decoder_heuristic_init_norm, j.b_dec_init_method]).toEqual([0.02, 0.03, 0.2, "zeros"]);
    expect((j as Record<string, unknown>)[fieldSpec("l0_coefficient") ? "l0_coefficient" : "l1_coefficient"]).toBe(2.5);
    expect(j.is_dataset_tokenized).toBe(false); // SAELens 6: "NOT IN USE"; the project detects token files by name
    const s = load(fx.standard_l1.config);
    expectSaeLensValues(fx.standard_l1.config, s as never);
    expect([s.l1_coefficient, s.l1_warm_up_steps, s.lr_scheduler_name, s.lr_decay_steps, s.adam_beta1]).toEqual([3, 7, "cosineannealing", 3, 0]);
    expect(s.run_name).toBe(fx.standard_l1.config.logger.run_name);
  });

  test("SAELens 6: TopK's rescale_acts_by_decoder_norm is honoured or refused, never dropped", () => {
    const t = fx.topk_defaults.config;
    if (fieldSpec("rescale_acts_by_decoder_norm")) expect((load(t) as Record<string, unknown>).rescale_acts_by_decoder_norm).toBe(true);
    else expect(() => load(t)).toThrow("'sae.rescale_acts_by_decoder_norm' = true is not supported here (only false)");
  });

  test("SAELens 6: keys the file leaves out take SAELens 6.18's defaults", () => {
    const c = load({ sae: { architecture: "standard", d_in: 64, d_sae: 256 }, logger: {}, model_name: "tiny-shakespeare", hook_name: "blocks.1.hook_resid_pre" });
    expect([c.lr, c.context_size, c.training_tokens, c.train_batch_size_tokens, c.l1_coefficient, c.dead_feature_window]).toEqual([3e-4, 128, 2_000_000, 4096, 1, 1000]);
    expect([c.eval_every_n_wandb_logs, c.exclude_special_tokens, c.b_dec_init_method, c.decoder_heuristic_init_norm]).toEqual([100, false, "zeros", 0.1]);
  });

  test("unknown keys anywhere name the key and the nearest known one; unsupported values are refused", () => {
    const base = { sae: { architecture: "standard", d_in: 64, d_sae: 256 }, logger: {} };
    expect(() => load({ ...base, sae: { ...base.sae, l1_coeficient: 2 } })).toThrow("unknown key 'sae.l1_coeficient' (did you mean 'l1_coefficient'?)");
    expect(() => load({ ...base, logger: { wandb_log_frequncy: 2 } })).toThrow("unknown key 'logger.wandb_log_frequncy' (did you mean 'wandb_log_frequency'?)");
    expect(() => load({ ...base, wandb_projct: "x" })).toThrow("unknown key 'wandb_projct' (did you mean 'wandb_project'?)");
    expect(() => load({ ...base, dtype: "bfloat16" })).toThrow("'dtype' = \"bfloat16\" is not supported here");
    expect(() => load({ ...base, sae: { ...base.sae, architecture: "skip_transcoder" } })).toThrow("'architecture' must be one of");
  });

  test("SAELens 5 flat configs: activation_fn topk + activation_fn_kwargs.k, wandb keys inert, project defaults", () => {
    const c = load({ activation_fn: "topk", activation_fn_kwargs: { k: 12 }, d_sae: 256, log_to_wandb: false, wandb_project: "p", device: "cuda", scale_sparsity_penalty_by_decoder_norm: true, hook_layer: 1 });
    expect([c.architecture, c.k, c.d_sae, c.lr]).toEqual(["topk", 12, 256, DEFAULT_CONFIG.lr]);
    expect(() => load({ scale_sparsity_penalty_by_decoder_norm: false })).toThrow("'scale_sparsity_penalty_by_decoder_norm' = false is not supported here (only true)");
    expect(() => load({ logger: {} })).toThrow("nests its SAE under 'sae'");
  });
});
