// Gemma Scope transcoders (conversion "gemma_2_transcoder", SAELens's gemma_2_transcoder_huggingface_loader):
// `<path>/params.npz` with W_enc, W_dec, b_enc, b_dec, threshold under any of SAELens's spellings (w_e, wenc, ...).
// A JumpReLU transcoder reading blocks.L.ln2.hook_normalized and predicting blocks.L.hook_mlp_out (d_out = d_in).
import { SaeConfigError } from "../errors.ts";
import { readNpz } from "./npy.ts";
import type { Converter, HostTensor } from "./types.ts";

const WIDTHS: [string, number][] = [
  ["width_4k", 4096],
  ["width_16k", 16384],
  ["width_65k", 65536],
  ["width_262k", 262144],
  ["width_524k", 524288],
  ["width_1m", 1048576],
];
const MODELS: [string, string, number][] = [
  ["2b-it", "gemma-2-2b-it", 2304],
  ["2b", "gemma-2-2b", 2304],
  ["9b-it", "gemma-2-9b-it", 3584],
  ["9b", "gemma-2-9b", 3584],
  ["27b-it", "gemma-2-27b-it", 4608],
  ["27b", "gemma-2-27b", 4608],
];
const NAMES: Record<string, string> = { threshold: "threshold" };
for (const [name, spellings] of Object.entries({
  W_enc: ["w_enc", "wenc", "w_e"],
  W_dec: ["w_dec", "wdec", "w_d"],
  b_enc: ["b_enc", "benc", "b_e"],
  b_dec: ["b_dec", "bdec", "b_d"],
})) {
  for (const k of spellings) NAMES[k] = name;
}

/** SAELens's get_gemma_2_transcoder_config_from_hf. */
export function gemma2TranscoderConfig(
  repoId: string,
  path: string,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  let d_sae = WIDTHS.find(([k]) => path.includes(k))?.[1];
  if (d_sae === undefined) {
    const m = /width_(\d+)k/.exec(path);
    if (!m) throw new SaeConfigError(`${repoId}/${path}: gemma_2_transcoder: no width_* in the path`);
    d_sae = Number(m[1]) * 1024;
  }
  const lm = /layer_(\d+)/.exec(path) ?? /layer_(\d+)/.exec(repoId);
  if (!lm) throw new SaeConfigError(`${repoId}/${path}: gemma_2_transcoder: no layer_N in the path or repo id`);
  const layer = Number(lm[1]);
  const model = MODELS.find(([k]) => repoId.includes(k));
  if (!model) throw new SaeConfigError(`${repoId}: gemma_2_transcoder: cannot tell the Gemma 2 model from the repo id`);
  return {
    architecture: "jumprelu_transcoder",
    d_in: model[2],
    d_out: model[2],
    d_sae,
    dtype: "float32",
    activation_fn: "relu",
    normalize_activations: "none",
    model_name: model[1],
    hook_name: `blocks.${layer}.ln2.hook_normalized`,
    hook_name_out: `blocks.${layer}.hook_mlp_out`,
    hook_head_index: null,
    hook_head_index_out: null,
    prepend_bos: true,
    dataset_path: "monology/pile-uncopyrighted",
    context_size: 1024,
    apply_b_dec_to_input: false,
    ...overrides,
  };
}

export const gemma2Transcoder: Converter = {
  files: (_repo, path) => ({ required: [`${path}/params.npz`], optional: [] }),
  async load({ repoId, path, overrides, read }) {
    const cfg = gemma2TranscoderConfig(repoId, path, overrides);
    const tensors: Record<string, HostTensor> = {};
    for (const [key, t] of readNpz(await read(`${path}/params.npz`))) {
      const name = NAMES[key.toLowerCase()];
      if (name) tensors[name] = t;
    }
    return { cfg, tensors, sparsity: null };
  },
};
