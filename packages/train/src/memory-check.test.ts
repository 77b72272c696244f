// checkRunSizes: what passes now that ops split tensors over one binding (a [batch, d_sae] of 512 MiB on a 128 MiB
// binding), and the ConfigErrors, naming sizes and what to reduce, for what still cannot fit: a [batch, d_sae]
// tensor over maxBufferSize, an SAE weight over one binding (the sparse kernels bind W_enc and W_dec whole).
import { describe, expect, test } from "bun:test";
import { DEFAULT_CONFIG } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { checkRunSizes } from "./memory-check.ts";

const MiB = 2 ** 20;
const lavapipe = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 4096 * MiB };

describe("checkRunSizes", () => {
  test("[batch, d_sae] over one binding passes; over one buffer is a ConfigError naming the flags", () => {
    const cfg = { ...DEFAULT_CONFIG, train_batch_size_tokens: 2048 };
    expect(() => checkRunSizes(cfg, 64, 65536, lavapipe)).not.toThrow(); // pre-activations 512 MiB
    const big = { ...cfg, train_batch_size_tokens: 16384 };
    expect(() => checkRunSizes(big, 64, 131072, lavapipe)).toThrow(ConfigError);
    expect(() => checkRunSizes(big, 64, 131072, lavapipe)).toThrow(/\[16384, 131072\] needs 8\.00 GiB, over the device's 4\.00 GiB per buffer; reduce train_batch_size_tokens or d_sae/);
  });

  test("W_enc over one binding is a ConfigError before any allocation", () => {
    expect(() => checkRunSizes({ ...DEFAULT_CONFIG }, 2304, 65536, lavapipe)).toThrow(/W_enc \[2304, 65536\] needs 0\.56 GiB, over the device's 0\.13 GiB per binding; reduce d_sae/);
  });
});
