// checkRunSizes: what passes now that ops split tensors over one binding (a [batch, d_sae] of 512 MiB on a 128 MiB
// binding, SAE weights over one binding: ops split both), and the ConfigErrors, naming sizes and what to reduce,
// for what still cannot fit: a [batch, d_sae] tensor over maxBufferSize (but for the TopK family, which never makes
// it), a weight over one buffer, 64 rows of [batch, d_sae] over one binding.
import { describe, expect, test } from "bun:test";
import { DEFAULT_CONFIG } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { checkRunSizes } from "./memory-check.ts";

const MiB = 2 ** 20;
const lavapipe = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 4096 * MiB };

describe("checkRunSizes", () => {
  test("[batch, d_sae] over one binding passes; over one buffer is a ConfigError naming the flags", () => {
    const cfg = { ...DEFAULT_CONFIG, architecture: "standard" as const, train_batch_size_tokens: 2048 };
    expect(() => checkRunSizes(cfg, 64, 65536, lavapipe)).not.toThrow(); // pre-activations 512 MiB
    const big = { ...cfg, train_batch_size_tokens: 16384 };
    expect(() => checkRunSizes(big, 64, 131072, lavapipe)).toThrow(ConfigError);
    expect(() => checkRunSizes(big, 64, 131072, lavapipe)).toThrow(/\[16384, 131072\] needs 8\.00 GiB, over the device's 4\.00 GiB per buffer; reduce train_batch_size_tokens or d_sae/);
  });

  test("the TopK family selects in row blocks: [batch, d_sae] over one buffer passes", () => {
    for (const architecture of ["topk", "batchtopk", "matryoshka_batchtopk"] as const) {
      const cfg = { ...DEFAULT_CONFIG, architecture, train_batch_size_tokens: 16384 };
      expect(() => checkRunSizes(cfg, 64, 131072, lavapipe)).not.toThrow(); // [16384, 131072] is 8 GiB
    }
  });

  test("W_enc over one binding passes (Gemma Scope's 2304 x 65536); over one buffer is a ConfigError", () => {
    for (const architecture of ["topk", "standard", "jumprelu", "gated", "batchtopk"] as const) {
      expect(() => checkRunSizes({ ...DEFAULT_CONFIG, architecture }, 2304, 65536, lavapipe)).not.toThrow();
    }
    const small = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };
    const over = /W_enc \[2304, 65536\] needs 0\.56 GiB, over the device's 0\.25 GiB per buffer; reduce d_sae/;
    expect(() => checkRunSizes({ ...DEFAULT_CONFIG }, 2304, 65536, small)).toThrow(over);
  });

  test("64 rows of [batch, d_sae] over one binding is a ConfigError", () => {
    const tiny = { maxStorageBufferBindingSize: MiB, maxBufferSize: 4096 * MiB };
    const over = /a block of 64 rows of \[2048, 8192\] pre-activations needs .*per binding; reduce d_sae/;
    expect(() => checkRunSizes({ ...DEFAULT_CONFIG }, 64, 8192, tiny)).toThrow(over);
  });
});
