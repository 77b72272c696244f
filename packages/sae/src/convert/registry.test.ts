// The generated registry (pretrained.json from SAELens 6.18's pretrained_saes.yaml by scripts/gen_registry.py)
// against the YAML's counts at that commit, and resolution of every release and SAE id to a repo, a conversion
// with a loader here, and the files it would download (no network).
import { describe, expect, test } from "bun:test";
import { PRETRAINED, PRETRAINED_SOURCE, parsePretrainedRef } from "../pretrained.ts";
import { resolvePretrained } from "../pretrained_load.ts";
import { CONVERSIONS } from "./registry.ts";

// Counted in sae_lens/pretrained_saes.yaml at SAELens commit 91ca16cc (6.18.0) the way SAELens's directory reads it:
// 73 releases, 4,500 SAE ids (one SAE entry of gpt2-small-res_scefr-ajt carries a stray nested release; SAELens
// reads only its id and path, and so does the generator).
const YAML_RELEASES = 73;
const YAML_SAES = 4500;
const YAML_SHA256 = "e9c6b781e101e8dca150b52b99db4f0caf1e6b461da4ba7cfdabbbf2f2050b9c";

describe("generated pretrained registry", () => {
  test("matches the YAML's release and SAE id counts at the SAELens 6.18 commit", () => {
    expect(PRETRAINED_SOURCE).toMatchObject({
      saelens_version: "6.18.0",
      yaml_sha256: YAML_SHA256,
      releases: YAML_RELEASES,
      saes: YAML_SAES,
    });
    expect(PRETRAINED_SOURCE.saelens_commit).toBe("91ca16ccd0684e4dd6323cd4f23ded734339ec54");
    expect(Object.keys(PRETRAINED).length).toBe(YAML_RELEASES);
    expect(Object.values(PRETRAINED).reduce((n, r) => n + r.saes.length, 0)).toBe(YAML_SAES);
    for (const [name, rel] of Object.entries(PRETRAINED))
      expect([name, new Set(rel.saes.map((s) => s.id)).size]).toEqual([name, rel.saes.length]);
  });

  test("values carried over from the YAML: repo, path, neuronpedia id, norm factor, overrides, conversion", () => {
    const ls = PRETRAINED.llama_scope_lxr_8x;
    expect(ls).toMatchObject({
      repo_id: "fnlp/Llama3_1-8B-Base-LXR-8x",
      model: "meta-llama/Llama-3.1-8B",
      conversion: "llama_scope",
    });
    expect(ls.saes[0]).toMatchObject({
      id: "l0r_8x",
      path: "Llama3_1-8B-Base-L0R-8x",
      neuronpedia: "llama3.1-8b/0-llamascope-res-32k",
    });
    expect(ls.saes[0].norm_scaling_factor).toBeGreaterThan(0);
    expect(PRETRAINED["mistral-7b-res-wg"].config_overrides).toEqual({
      normalize_activations: "constant_norm_rescale",
    });
    const gs = PRETRAINED["gemma-scope-2b-pt-res-canonical"].saes.find((s) => s.id === "layer_0/width_16k/canonical");
    expect(gs).toMatchObject({ path: "layer_0/width_16k/average_l0_105", hook_name: "blocks.0.hook_resid_post" });
    expect(PRETRAINED["gemma-scope-2b-pt-att"].saes[0].hook_name).toBe("blocks.0.attn.hook_z");
    expect(PRETRAINED["mwhanna-qwen3-4b-transcoders"].saes[0]).toMatchObject({
      path: "layer_0.safetensors",
      hook_name: "blocks.0.mlp.hook_in",
    });
    const counts: Record<string, number> = {};
    for (const r of Object.values(PRETRAINED)) counts[r.conversion] = (counts[r.conversion] ?? 0) + r.saes.length;
    expect(counts).toEqual({
      sae_lens: 292,
      gemma_2: 2833,
      dictionary_learning_1: 814,
      mwhanna_transcoder: 208,
      llama_scope: 192,
      llama_scope_r1_distill: 96,
      gemma_2_transcoder: 26,
      mntss_clt_layer_transcoder: 26,
      connor_rob_hook_z: 12,
      deepseek_r1: 1,
    });
  });

  test("every release and SAE id resolves to a repo, a loader and the files it downloads (no network)", () => {
    let n = 0;
    for (const [name, rel] of Object.entries(PRETRAINED)) {
      for (const sae of rel.saes) {
        const r = resolvePretrained(name, sae.id);
        expect(r.converter).toBe(CONVERSIONS[rel.conversion]);
        expect(r.repoId).toBe(rel.repo_id);
        expect(r.path).toBe(sae.path);
        expect(r.files.required.length).toBeGreaterThan(0);
        for (const f of [...r.files.required, ...r.files.optional]) expect(f.length).toBeGreaterThan(0);
        expect(r.overrides).toEqual({ ...rel.config_overrides, neuronpedia_id: sae.neuronpedia });
        n++;
      }
    }
    expect(n).toBe(YAML_SAES);
    const g = resolvePretrained("gemma-scope-2b-pt-res-canonical", "layer_0/width_16k/canonical");
    expect(g.files).toEqual({ required: ["layer_0/width_16k/average_l0_105/params.npz"], optional: [] });
    expect(resolvePretrained("llama_scope_lxr_8x", "l0r_8x").files.required).toEqual([
      "Llama3_1-8B-Base-L0R-8x/hyperparams.json",
      "Llama3_1-8B-Base-L0R-8x/checkpoints/final.safetensors",
    ]);
  });

  test("a name with '/' the registry lacks is a HF repo in SAELens's layout; --sae <release>/<id> splits", () => {
    const r = resolvePretrained("someone/my-saes", "blocks.3.hook_resid_pre");
    expect(r).toMatchObject({
      repoId: "someone/my-saes",
      path: "blocks.3.hook_resid_pre",
      conversion: "sae_lens",
      overrides: {},
    });
    expect(r.files.required).toEqual([
      "blocks.3.hook_resid_pre/cfg.json",
      "blocks.3.hook_resid_pre/sae_weights.safetensors",
    ]);
    expect(resolvePretrained("EleutherAI/sae-pythia-70m-32k", "layers.3", "sparsify").files.required).toEqual([
      "layers.3/cfg.json",
      "layers.3/sae.safetensors",
    ]);
    expect(parsePretrainedRef("gemma-scope-2b-pt-res-canonical/layer_0/width_16k/canonical")).toEqual({
      release: "gemma-scope-2b-pt-res-canonical",
      saeId: "layer_0/width_16k/canonical",
    });
    expect(parsePretrainedRef("gpt2-small-res-jb/blocks.0.hook_resid_pre")).toEqual({
      release: "gpt2-small-res-jb",
      saeId: "blocks.0.hook_resid_pre",
    });
    expect(parsePretrainedRef("someone/my-saes/layer0/x")).toEqual({ release: "someone/my-saes", saeId: "layer0/x" });
    expect(parsePretrainedRef("checkpoints")).toBeNull();
    for (const local of ["./runs/a/b", "../runs/a/b", "/abs/runs/a"]) expect(parsePretrainedRef(local)).toBeNull();
  });
});
