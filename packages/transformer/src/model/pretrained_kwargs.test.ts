import { describe, expect, test } from "bun:test";
import { FormatError } from "@sae/tensor-core";
import { processingFromKwargs } from "./pretrained_kwargs.ts";
import { NO_PROCESSING } from "./process.ts";

describe("processingFromKwargs (from_pretrained_no_processing(**kwargs), as SAELens loads models)", () => {
  test("no kwargs, {} and SAELens's training default are no processing at all", () => {
    expect(processingFromKwargs(undefined)).toEqual(NO_PROCESSING);
    expect(processingFromKwargs({})).toEqual(NO_PROCESSING);
    expect(processingFromKwargs({ center_writing_weights: false })).toEqual(NO_PROCESSING);
  });
  test("kwargs turn single steps back on; kwargs that change nothing here are ignored", () => {
    expect(processingFromKwargs({ center_writing_weights: true, n_devices: 1, dtype: "float32" })).toEqual({
      ...NO_PROCESSING,
      centerWritingWeights: true,
    });
    expect(processingFromKwargs({ fold_ln: true, center_unembed: true, fold_value_biases: true })).toEqual({
      foldLn: true,
      centerWritingWeights: false,
      centerUnembed: true,
      foldValueBiases: true,
    });
  });
  test("wrong types and unsupported kwargs are FormatErrors naming where", () => {
    expect(() => processingFromKwargs({ fold_ln: "yes" }, "x/cfg.json")).toThrow("x/cfg.json: 'fold_ln' must be true or false");
    expect(() => processingFromKwargs([true])).toThrow(FormatError);
    expect(() => processingFromKwargs({ refactor_factored_attn_matrices: true })).toThrow("not supported");
  });
});
