// Qwen3 transcoders by mwhanna (conversion "mwhanna_transcoder", SAELens's mwhanna_transcoder_huggingface_loader):
// `<path>` = layer_N.safetensors (W_enc [d_sae, d_in], W_dec, b_enc, b_dec), the repo's wandb-config.yaml (or its
// misspelling wanb-config.yaml: d_model.value, d_feature.value, batch_size.value) and config.yaml (model_name; the
// 14b repos lack it and the model comes from `qwen3-<size>b` in the repo id). A ReLU transcoder reading
// blocks.N.mlp.hook_in and predicting blocks.N.hook_mlp_out (d_out = d_in).
import { SaeConfigError } from "../errors.ts";
import { need, objField, readSafetensorsHost, readText, transpose } from "./tensors.ts";
import type { Converter } from "./types.ts";
import { parseYamlMapping } from "./yaml_lite.ts";

const value = (cfg: Record<string, unknown>, key: string, file: string): unknown => objField(cfg, key, file).value;

export const mwhannaTranscoder: Converter = {
  files: (_repo, path) => ({ required: [path], optional: ["wandb-config.yaml", "wanb-config.yaml", "config.yaml"] }),
  async load({ repoId, path, overrides, read, optional }) {
    const layer = Number(path.replace(".safetensors", "").split("_").at(-1));
    if (!Number.isInteger(layer))
      throw new SaeConfigError(`${repoId}/${path}: mwhanna_transcoder: no layer number after the last '_'`);
    const wandbSrc = (await optional("wandb-config.yaml")) ?? (await read("wanb-config.yaml"));
    const wandbFile = wandbSrc.name;
    const baseFile = await optional("config.yaml");
    let modelName: unknown;
    if (baseFile !== null) modelName = parseYamlMapping(readText(baseFile), baseFile.name).model_name;
    else {
      const m = /qwen3-(\d+(?:\.\d+)?)b/.exec(repoId);
      if (!m)
        throw new SaeConfigError(`${repoId}: no config.yaml and no qwen3-<size>b in the repo id to name the model`);
      modelName = `Qwen/Qwen3-${m[1]}B`;
    }
    const wandb = parseYamlMapping(readText(wandbSrc), wandbFile);
    const d_model = value(wandb, "d_model", wandbFile);
    const cfg = {
      architecture: "transcoder",
      d_in: d_model,
      d_out: d_model,
      d_sae: value(wandb, "d_feature", wandbFile),
      dtype: "float32",
      activation_fn: "relu",
      normalize_activations: "none",
      model_name: modelName,
      hook_name: `blocks.${layer}.mlp.hook_in`,
      hook_name_out: `blocks.${layer}.hook_mlp_out`,
      dataset_path: "monology/pile-uncopyrighted",
      context_size: value(wandb, "batch_size", wandbFile),
      apply_b_dec_to_input: false,
      model_from_pretrained_kwargs: { fold_ln: false },
      ...overrides,
    };
    const src = await read(path);
    const file = src.name;
    const tensors = Object.fromEntries(readSafetensorsHost(src));
    tensors.W_enc = transpose(need(new Map(Object.entries(tensors)), "W_enc", file), `${file}: W_enc`);
    return { cfg, tensors, sparsity: null };
  },
};
