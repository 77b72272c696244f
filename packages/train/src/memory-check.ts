// Sizes checked before a run allocates anything: the activation store's host buffer and the training batch must fit
// in memory (and in one typed array); on the GPU each tensor must fit one buffer (maxBufferSize): every SAE weight
// (W_enc [d_in, d_sae], W_dec, Adam's moments alike) and, except for the TopK family (whose training selects in row
// blocks and never makes it: sae arch/topk/blocks.ts), the [batch, d_sae] pre-activations. Tensors over one
// binding are fine: the ops split them. Absurd sizes then end in a ConfigError naming the sizes and what to reduce,
// before the first step, not a RangeError or a GPU error from deep inside.
import { isTopkFamily } from "@sae/core";
import { totalmem } from "node:os";
import type { TrainConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

const MAX_TYPED_ARRAY = 2 ** 32 - 1; // elements of one Float32Array we rely on (JSC and V8 both allow this many)
const HOST_FRACTION = 0.75;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export interface GpuLimits {
  /** Bytes one binding holds (Device.maxBinding). */
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** Throws ConfigError when the store buffer, the batch or one GPU tensor of this run cannot be allocated. */
export function checkRunSizes(cfg: TrainConfig, dIn: number, dSae: number, limits: GpuLimits): void {
  const promptRows = cfg.store_batch_size_prompts * cfg.context_size;
  const storeRows = Math.max(cfg.n_batches_in_buffer * promptRows, cfg.train_batch_size_tokens) + promptRows;
  const storeFloats = storeRows * dIn;
  const batchFloats = cfg.train_batch_size_tokens * dIn;
  const sizes =
    `train_batch_size_tokens ${cfg.train_batch_size_tokens}, ` +
    `n_batches_in_buffer ${cfg.n_batches_in_buffer}, ` +
    `store_batch_size_prompts ${cfg.store_batch_size_prompts}, context_size ${cfg.context_size}, d_in ${dIn}`;
  if (storeFloats > MAX_TYPED_ARRAY) {
    const need = `${storeRows} x ${dIn} floats (${sizes})`;
    throw new ConfigError(`out of memory: the activation store needs ${need}, over one array's ${MAX_TYPED_ARRAY}`);
  }
  const host = (storeFloats + 2 * batchFloats) * 4;
  const avail = totalmem() * HOST_FRACTION;
  if (host > avail) {
    const has = `this machine has ${gib(totalmem())}`;
    throw new ConfigError(`out of memory: the activation store and batch need ${gib(host)} (${sizes}); ${has}`);
  }
  const B = cfg.train_batch_size_tokens;
  const buffer = limits.maxBufferSize;
  const binding = limits.maxStorageBufferBindingSize;
  const gpu: Array<{ what: string; floats: number; max: number; per: string; reduce: string }> = [
    { what: `the training batch [${B}, ${dIn}]`, floats: batchFloats, max: buffer, per: "buffer",
      reduce: "train_batch_size_tokens" },
    { what: `W_enc [${dIn}, ${dSae}]`, floats: dIn * dSae, max: buffer, per: "buffer",
      reduce: "d_sae (or expansion_factor)" },
    // ops split [batch, d_sae] tensors (and the TopK family its scores) in blocks of 64-row multiples
    { what: `a block of 64 rows of [${B}, ${dSae}] pre-activations`, floats: 64 * dSae, max: binding, per: "binding",
      reduce: "d_sae" },
  ];
  if (!isTopkFamily(cfg.architecture)) {
    const what = `the [batch, d_sae] pre-activations [${B}, ${dSae}]`;
    gpu.unshift({ what, floats: B * dSae, max: buffer, per: "buffer", reduce: "train_batch_size_tokens or d_sae" });
  }
  for (const { what, floats, max, per, reduce } of gpu) {
    if (floats * 4 <= max) continue;
    const over = `over the device's ${gib(max)} per ${per}; reduce ${reduce}`;
    throw new ConfigError(`out of GPU memory: ${what} needs ${gib(floats * 4)}, ${over} (${sizes}, d_sae ${dSae})`);
  }
}
