// `sae eval <checkpoint-folder>`: loads an SAE (SAELens layout), runs its model over held-out prompts of the
// dataset it was trained on (or --dataset-path) and prints L0, MSE, explained variance, dead/dense fractions,
// CE loss score and KL divergence with the SAE spliced in (--json for machine-readable output).
import { join } from "node:path";
import { getDevice } from "@sae/tensor-core";
import { bundledModelDir } from "@sae/transformer";
import { ConfigError, evaluateSae, formatEvalTable, loadModel, loadSae, ModelHook, openDataset, parseFlags, PromptStream } from "@sae/train";
import type { Command } from "../command.ts";

const FLAGS = { "dataset-path": "string", prompts: "number", "batch-prompts": "number", "context-size": "number", "model-name": "string", json: "bool" } as const;
const USAGE = `usage: sae eval <checkpoint-folder> [flags]

Evaluates a trained SAE on held-out prompts (the first --prompts prompts of the dataset, which training keeps out).
  --dataset-path P    dataset (default: the one in cfg.json)
  --model-name M      model (default: the one in cfg.json)
  --prompts N         prompts to evaluate (default 32)
  --batch-prompts N   prompts per model batch (default 8)
  --context-size N    tokens per prompt (default: cfg.json's context_size or 64)
  --json              print the metrics as JSON
`;

export const evalCommand: Command = {
  summary: "evaluate a trained SAE (L0, MSE, explained variance, CE loss score, KL)",
  usage: USAGE,
  async run(args, io) {
    const p = parseFlags(args, FLAGS, false);
    if (p.extra.help) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) {
      io.err(`error: sae eval needs exactly one checkpoint folder\n\n${USAGE}`);
      return 2;
    }
    const device = await getDevice();
    const sae = loadSae(device, p.positional[0]);
    const c = sae.cfg;
    const modelName = (p.extra["model-name"] as string | undefined) ?? c.model_name;
    if (!modelName) throw new ConfigError(`${p.positional[0]}/cfg.json names no model_name; pass --model-name`);
    const model = await loadModel(modelName);
    const hook = await ModelHook.create(model, c.hook_name);
    if (hook.dIn !== c.d_in) throw new ConfigError(`SAE d_in ${c.d_in} does not match the width ${hook.dIn} of ${c.hook_name} in ${modelName}`);
    const dataset = (p.extra["dataset-path"] as string | undefined) ?? (c.dataset_path || "bundled:tiny-shakespeare");
    const bos = model.cfg.bosTokenId;
    const source = openDataset(dataset, {
      tokenizer: { encode: (s) => model.tokenizer!.encode(s), bosTokenId: bos },
      bundled: () => join(bundledModelDir(), "input.txt"),
    });
    const n = (p.extra.prompts as number | undefined) ?? 32;
    const prompts = new PromptStream(source, { contextSize: (p.extra["context-size"] as number | undefined) ?? c.context_size ?? 64, prependBos: c.prepend_bos, bosTokenId: bos, holdoutPrompts: n, separateDocs: dataset.endsWith(".jsonl") });
    const r = await evaluateSae(hook, sae, { prompts: prompts.holdout(), batchPrompts: (p.extra["batch-prompts"] as number | undefined) ?? 8, excludeIds: [bos], deadThreshold: 1e-8 });
    prompts.close();
    if (p.extra.json) io.out(`${JSON.stringify({ checkpoint: p.positional[0], ...r }, null, 2)}\n`);
    else io.out(`${c.architecture} SAE ${c.d_in}x${c.d_sae} at ${c.hook_name} (${modelName}), ${r.tokens} held-out tokens:\n${formatEvalTable(r)}\n`);
    return 0;
  },
};
