// The prompt stream a training run reads (its held-out prompts first), built once for trainSae and cacheActivations
// so a cache written as its own step holds exactly the rows the run would have computed.
import type { HookedTransformer } from "@sae/transformer";
import type { TrainConfig } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { bundledDataset } from "./bundled.ts";
import type { HubDatasetOptions } from "./hub-dataset.ts";
import { PromptStream } from "./prompts.ts";
import { openDataset } from "./sources.ts";

export function trainPrompts(cfg: TrainConfig, model: HookedTransformer, hub?: HubDatasetOptions): PromptStream {
  const tok = model.tokenizer;
  if (!tok) throw new ConfigError(`model ${cfg.model_name} has no tokenizer`);
  const bos = model.cfg.bosTokenId;
  const source = openDataset(cfg.dataset_path, {
    tokenizer: { encode: (s: string) => tok.encode(s), bosTokenId: bos, vocabSize: model.cfg.dVocab },
    isTokenized: cfg.is_dataset_tokenized,
    textField: cfg.dataset_text_field,
    bundled: bundledDataset,
    hub,
  });
  return new PromptStream(source, {
    contextSize: cfg.context_size,
    prependBos: cfg.prepend_bos,
    bosTokenId: bos,
    holdoutPrompts: cfg.eval_holdout_prompts,
    minTrainPrompts: Math.max(cfg.store_batch_size_prompts, Math.ceil(cfg.train_batch_size_tokens / cfg.context_size)),
  });
}
