// `sae eval <checkpoint-folder>`: loads an SAE (SAELens layout), runs its model over held-out prompts of the
// dataset it was trained on (or --dataset-path) and prints L0, MSE, explained variance, dead/dense fractions,
// CE loss score and KL divergence with the SAE spliced in (--json for machine-readable output).
import { Sae } from "@sae/core";
import { loadSae } from "@sae/core/node";
import { resolveSaeArg } from "@sae/server";
import { getDevice } from "@sae/tensor-core";
import { dtypeFromKwargs, formatWeightMemory, processingFromKwargs } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";
import {
  ConfigError,
  downloadProgress,
  evaluateSae,
  formatEvalTable,
  ModelHook,
  PromptStream,
} from "@sae/train";
import { bundledDataset, openDataset } from "@sae/train/node";
import type { Command } from "../command.ts";
import { commandHelp, DTYPE_FLAG, dtypeOf, parseCommandFlags, UsageError, type FlagSpec } from "./analysis_flags.ts";
import { loadPretrainedSae } from "@sae/core/node";

export const EVAL_FLAGS = {
  "dataset-path": { kind: "string", help: "dataset (default: the one in cfg.json)" },
  "model-name": { kind: "string", help: "model: folder, HF repo id or TransformerLens alias (default: cfg.json's)" },
  dtype: DTYPE_FLAG,
  prompts: { kind: "count", default: 32, help: "held-out prompts to evaluate" },
  "batch-prompts": { kind: "count", default: 8, help: "prompts per model batch" },
  "context-size": { kind: "count", help: "tokens per prompt, at most the model's n_ctx (default: cfg.json's context_size or 64)" },
  json: { kind: "bool", default: false, help: "print the metrics as JSON" },
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = `sae eval <checkpoint-folder, release/id or bundled> [flags]

Evaluates a trained SAE on held-out prompts (the first --prompts prompts of the dataset, which training keeps out).
\`bundled\` is the SAE trained on the bundled model.`;

export const evalCommand: Command = {
  summary: "evaluate a trained SAE (L0, MSE, explained variance, CE loss score, KL)",
  usage: USAGE,
  async run(args, io) {
    const { flags, positional } = parseCommandFlags("eval", args, EVAL_FLAGS);
    if (flags.help) return (io.out(commandHelp(USAGE, EVAL_FLAGS)), 0);
    if (positional.length !== 1) {
      const what = "one checkpoint folder, <release>/<id> or `bundled` (the SAE trained on the bundled model)";
      throw new UsageError(`sae eval: expected ${what}, got ${positional.length}\nusage: ${USAGE}`);
    }
    const dir = positional[0];
    const device = await getDevice();
    const onProgress = downloadProgress(io.progress); // download bars for the SAE, the model and a hub dataset
    const arg = resolveSaeArg(dir); // "bundled", a folder, or <release>/<id>: a pretrained SAE via the hub
    const sae = arg.kind === "pretrained"
      ? await loadPretrainedSae(arg.release, arg.saeId, device, { quiet: false, onProgress })
      : loadSae(arg.dir, device);
    const c = sae.cfg;
    const modelName = (flags["model-name"] as string | undefined) ?? c.model_name;
    if (!modelName) throw new ConfigError(`${dir}/cfg.json names no model_name; pass --model-name`);
    const kwargs = sae.extraConfig.model_from_pretrained_kwargs; // SAELens evals: from_pretrained_no_processing(**kwargs)
    const processing = processingFromKwargs(kwargs, `${dir}/cfg.json model_from_pretrained_kwargs`);
    const dtype = dtypeOf("eval", flags) ?? dtypeFromKwargs(kwargs, `${dir}/cfg.json model_from_pretrained_kwargs`);
    const model = await loadModel(modelName, { device, processing, dtype, hub: { onProgress } });
    io.err(`model ${modelName}: ${formatWeightMemory(model.memory())}\n`);
    const contextSize = (flags["context-size"] as number | undefined) ?? c.context_size ?? 64;
    const nCtx = model.cfg.nCtx;
    if (contextSize > nCtx) {
      const from = flags["context-size"] === undefined ? `${dir}/cfg.json context_size` : "--context-size";
      throw new UsageError(`sae eval: ${from} ${contextSize} exceeds the model's n_ctx ${nCtx} (${modelName})`);
    }
    const hook = await ModelHook.create(model, c.hook_name, c.hook_head_index);
    if (hook.dIn !== c.d_in) throw new ConfigError(`SAE d_in ${c.d_in} does not match the width ${hook.dIn} of ${c.hook_name} in ${modelName}`);
    const dataset = (flags["dataset-path"] as string | undefined) ?? (c.dataset_path || "bundled:tiny-shakespeare");
    const bos = model.cfg.bosTokenId;
    const source = openDataset(dataset, {
      tokenizer: { encode: (s) => model.tokenizer!.encode(s), bosTokenId: bos, vocabSize: model.cfg.dVocab },
      bundled: bundledDataset,
      hub: { onProgress },
    });
    const n = flags.prompts as number;
    const prependBos = c.prepend_bos;
    const prompts = new PromptStream(source, { contextSize, prependBos, bosTokenId: bos, holdoutPrompts: n });
    const batchPrompts = flags["batch-prompts"] as number;
    const held = await prompts.holdout();
    const r = await evaluateSae(hook, sae, { prompts: held, batchPrompts, excludeIds: [bos], deadThreshold: 1e-8 });
    prompts.close();
    if (flags.json) io.out(`${JSON.stringify({ checkpoint: dir, ...r }, null, 2)}\n`);
    else io.out(`${c.architecture} SAE ${c.d_in}x${c.d_sae} at ${c.hook_name} (${modelName}), ${r.tokens} held-out tokens:\n${formatEvalTable(r)}\n`);
    return 0;
  },
};
