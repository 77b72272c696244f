// Where the SAE trained on the bundled model lies: bundledSaeDir (the folder beside the bundled model's files, in the
// SAELens layout) and bundledSaeUrl (the same folder under the URL the bundled model is served from).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledSaeUrl } from "./bundled_sae.ts";
import { bundledModelDir, bundledSaeDir } from "./load_model.ts";

describe("bundled SAE location", () => {
  test("bundledSaeDir is assets/tiny-shakespeare/sae: a SAELens folder for the bundled model's d_model", () => {
    expect(bundledSaeDir()).toBe(join(bundledModelDir(), "sae"));
    for (const f of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) {
      expect(existsSync(join(bundledSaeDir(), f))).toBe(true);
    }
    const cfg = JSON.parse(readFileSync(join(bundledSaeDir(), "cfg.json"), "utf8"));
    const model = JSON.parse(readFileSync(join(bundledModelDir(), "config.json"), "utf8"));
    expect([cfg.architecture, cfg.d_in, cfg.d_sae, cfg.k, cfg.hook_name, cfg.model_name]).toEqual(
      ["topk", model.n_embd, 512, 16, "blocks.1.hook_resid_pre", "tiny-shakespeare"],
    );
  });

  test("bundledSaeUrl is sae/ under the bundled model's base URL, with or without its trailing slash", () => {
    expect(bundledSaeUrl("https://x.test/assets/tiny-shakespeare/")).toBe("https://x.test/assets/tiny-shakespeare/sae/");
    expect(bundledSaeUrl("https://x.test/assets/tiny-shakespeare")).toBe("https://x.test/assets/tiny-shakespeare/sae/");
    expect(bundledSaeUrl("./model")).toBe("./model/sae/");
  });
});
