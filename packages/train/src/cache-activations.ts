// cacheActivations: SAELens's CacheActivationsRunner as its own step: runs the model over the training config's
// dataset (held-out prompts skipped, as training does) and writes the hook's activations (BOS/pad positions
// dropped) to a sharded cache folder (store/cache-shards.ts) at cached_activations_path. A training run with the
// same config and use_cached_activations then reads exactly the blocks it would have computed, without the model.
// It caches training_tokens plus one shuffle buffer of rows by default, so that run never cycles the cache.
import { getDevice } from "@sae/tensor-core";
import { dtypeFromKwargs, processingFromKwargs } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";
import { completeDims, type TrainConfig } from "./config.ts";
import type { HubDatasetOptions } from "./data/hub-dataset.ts";
import { trainPrompts } from "./data/train-prompts.ts";
import { ConfigError } from "./errors.ts";
import { ModelHook } from "./model-hooks.ts";
import { type ShardsIndex, ShardedCacheWriter } from "./store/cache-shards.ts";
import { ModelProducer } from "./store/producers.ts";

export interface CacheActivationsOptions {
  /** A new shard file starts when one holds this many bytes (default 1 GiB). */
  shardBytes?: number;
  /** Rows to cache (default training_tokens + n_batches_in_buffer * store_batch_size_prompts * context_size). */
  tokens?: number;
  hub?: HubDatasetOptions;
  onProgress?: (rows: number, total: number) => void;
  /** Set `requested` to stop; the folder is left without its index (unfinished). */
  stop?: { requested: boolean };
}

export async function cacheActivations(cfgIn: TrainConfig, o: CacheActivationsOptions = {}): Promise<ShardsIndex> {
  const cfg: TrainConfig = { ...cfgIn };
  if (!cfg.cached_activations_path) {
    throw new ConfigError("cache-activations: set cached_activations_path (the folder to write)");
  }
  if (cfg.hook_name_out !== null) {
    throw new ConfigError("cache-activations: transcoder runs (hook_name_out) read no activation cache");
  }
  const device = await getDevice();
  const kwargs = cfg.model_from_pretrained_kwargs;
  const processing = processingFromKwargs(kwargs);
  const hub = { onProgress: o.hub?.onProgress };
  const model = await loadModel(cfg.model_name, { device, processing, dtype: dtypeFromKwargs(kwargs), hub });
  if (!model.tokenizer) throw new ConfigError(`model ${cfg.model_name} has no tokenizer`);
  const hook = await ModelHook.create(model, cfg.hook_name);
  completeDims(cfg, hook.dIn);
  const bos = model.cfg.bosTokenId;
  const prompts = trainPrompts(cfg, model, o.hub); // trainSae's stream: its held-out prompts never reach the cache
  const header = {
    model_name: cfg.model_name,
    hook_name: cfg.hook_name,
    d_in: cfg.d_in!,
    context_size: cfg.context_size,
    dtype: cfg.cached_activations_dtype,
    prepend_bos: cfg.prepend_bos,
    dataset_path: cfg.dataset_path,
  };
  const writer = new ShardedCacheWriter(cfg.cached_activations_path, header, o.shardBytes ?? 1 << 30);
  const excludeIds = cfg.exclude_special_tokens ? [bos] : [];
  const batch = cfg.store_batch_size_prompts;
  const opts = { contextSize: cfg.context_size, storeBatchPrompts: batch, excludeIds, cacheWriter: writer };
  const producer = new ModelProducer(hook, prompts, opts);
  const total = o.tokens ?? cfg.training_tokens + cfg.n_batches_in_buffer * batch * cfg.context_size;
  try {
    while (writer.rows < total) {
      if (o.stop?.requested) {
        writer.abort();
        const where = cfg.cached_activations_path;
        throw new ConfigError(`cache-activations: stopped after ${writer.rows} rows; ${where} is unfinished`);
      }
      await producer.next();
      o.onProgress?.(writer.rows, total);
    }
    return writer.finish();
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    producer.close();
  }
}
