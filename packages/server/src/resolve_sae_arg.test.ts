// resolveSaeArg, the one reading of an SAE argument: "bundled" is the SAE trained on the bundled model (even where a
// folder named bundled exists: that one is ./bundled), an existing path a folder, else <release>/<id>; and
// loadAnalysisPair with "bundled" loads that folder, while no SAE at all names `--sae bundled` in its error.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundledSaeDir } from "@sae/transformer/node";
import { loadAnalysisPair, NoSaeError, resolveSaeArg } from "./load_pair.ts";

const tmp = mkdtempSync(join(tmpdir(), "sae-arg-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("resolveSaeArg", () => {
  test("bundled -> the bundled SAE's folder; paths -> folders; <release>/<id> -> pretrained", () => {
    expect(resolveSaeArg("bundled")).toEqual({ kind: "folder", dir: bundledSaeDir() });
    expect(bundledSaeDir()).toMatch(/assets[/\\]tiny-shakespeare[/\\]sae$/);
    expect(resolveSaeArg(tmp)).toEqual({ kind: "folder", dir: tmp });
    expect(resolveSaeArg("/no/such/sae")).toEqual({ kind: "folder", dir: "/no/such/sae" });
    const ref = { kind: "pretrained", release: "gpt2-small-res-jb", saeId: "blocks.8.hook_resid_pre" } as const;
    expect(resolveSaeArg("gpt2-small-res-jb/blocks.8.hook_resid_pre")).toEqual(ref);
    expect(resolveSaeArg("someone/saes/layer_3")).toEqual({ kind: "pretrained", release: "someone/saes", saeId: "layer_3" });
  });

  test("a local folder named bundled does not shadow the bundled SAE; ./bundled names it", () => {
    const cwd = process.cwd();
    mkdirSync(join(tmp, "bundled"));
    process.chdir(tmp);
    try {
      expect(resolveSaeArg("bundled")).toEqual({ kind: "folder", dir: bundledSaeDir() });
      expect(resolveSaeArg("./bundled")).toEqual({ kind: "folder", dir: join(tmp, "bundled") });
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("loadAnalysisPair and the bundled SAE", () => {
  test("sae: 'bundled' loads the folder's TopK SAE on the bundled model", async () => {
    const pair = await loadAnalysisPair({ sae: "bundled" });
    expect(pair.saeDir).toBe(bundledSaeDir());
    expect(pair.saeLabel).toBe(`topk SAE (d_sae 512) at blocks.1.hook_resid_pre from ${bundledSaeDir()}`);
    expect([pair.model.name, pair.sae.cfg.d_in, pair.sae.cfg.d_sae]).toEqual(["tiny-shakespeare", 128, 512]);
  }, 60_000);

  test("no SAE given and none under checkpoints: a NoSaeError that suggests --sae bundled (no silent switch)", async () => {
    const err = await loadAnalysisPair({ checkpointsDir: join(tmp, "empty") }).catch((e) => e);
    expect(err).toBeInstanceOf(NoSaeError);
    expect((err as Error).message).toContain("none found under");
    expect((err as Error).message).toContain("--sae bundled");
  }, 60_000);
});
