import { describe, expect, test } from "bun:test";
import { FormatError } from "@sae/tensor-core";
import { dtypeFromKwargs, processingFromKwargs, weightDtypeOf } from "./pretrained_kwargs.ts";
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

describe("dtypeFromKwargs (TransformerLens's from_pretrained dtype -> the weights' dtype on the device)", () => {
  test("TransformerLens spellings and the CLI's; none is f32", () => {
    expect(dtypeFromKwargs(undefined)).toBe("f32");
    expect(dtypeFromKwargs({ center_writing_weights: false })).toBe("f32");
    expect(dtypeFromKwargs({ dtype: "float16" })).toBe("f16");
    expect(dtypeFromKwargs({ dtype: "torch.bfloat16" })).toBe("bf16");
    expect(dtypeFromKwargs({ dtype: "fp32" })).toBe("f32");
    expect(["f32", "f16", "bf16"].map((d) => weightDtypeOf(d))).toEqual(["f32", "f16", "bf16"]);
  });
  test("anything else is a FormatError naming where and the value", () => {
    const err = "x/cfg.json dtype: expected f32, f16 or bf16";
    expect(() => dtypeFromKwargs({ dtype: "int8" }, "x/cfg.json")).toThrow(err);
    expect(() => weightDtypeOf("f64", "--dtype")).toThrow(FormatError);
  });
});
