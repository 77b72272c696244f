// Sizes checked before a run allocates anything: the activation store's host buffer and the training batch must fit
// in memory (and in one typed array), and the batch and encoder weight in one GPU storage binding. Absurd batch or
// buffer sizes then end in a ConfigError naming the flags and byte counts, not a RangeError from deep inside.
import { totalmem } from "node:os";
import type { TrainConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

const MAX_TYPED_ARRAY = 2 ** 32 - 1; // elements of one Float32Array we rely on (JSC and V8 both allow this many)
const HOST_FRACTION = 0.75;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export interface GpuLimits {
  maxStorageBufferBindingSize: number;
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
  const bind = limits.maxStorageBufferBindingSize;
  const gpu: [string, number][] = [
    [`the training batch [${cfg.train_batch_size_tokens}, ${dIn}]`, batchFloats],
    [`W_enc [${dIn}, ${dSae}]`, dIn * dSae],
  ];
  for (const [what, floats] of gpu) {
    if (floats * 4 <= bind) continue;
    const most = `the device binds at most ${gib(bind)} per buffer`;
    throw new ConfigError(`out of GPU memory: ${what} needs ${gib(floats * 4)}, ${most} (${sizes}, d_sae ${dSae})`);
  }
}
