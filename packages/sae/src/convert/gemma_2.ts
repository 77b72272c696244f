// Gemma Scope SAEs (conversion "gemma_2", SAELens's gemma_2_sae_huggingface_loader): `<path>/params.npz` holding
// W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc, b_dec, threshold (keys spelled `w_*` are renamed `W_*`). The
// config is derived from names only: d_sae from `width_*` in the path, the layer from `layer_N` (embedding SAEs:
// layer 0, hook_embed), the model and d_in from the repo id, the hook from res/mlp/att in the repo id. Embedding
// SAEs are rescaled (W_enc / sqrt(d_in), W_dec * sqrt(d_in)) because of how they were trained.
import { SaeConfigError } from "../errors.ts";
import { readNpz } from "./npy.ts";
import type { Converter, HostTensor } from "./types.ts";

const WIDTHS: [string, number][] = [
  ["width_4k", 4096],
  ["width_16k", 16384],
  ["width_32k", 32768],
  ["width_65k", 65536],
  ["width_131k", 131072],
  ["width_262k", 262144],
  ["width_524k", 524288],
  ["width_1m", 1048576],
];

/** SAELens's model_params, in its order (first key contained in the repo id wins). */
export const GEMMA_2_MODELS: [string, { name: string; d_in: number }][] = [
  ["2b-it", { name: "gemma-2-2b-it", d_in: 2304 }],
  ["9b-it", { name: "gemma-2-9b-it", d_in: 3584 }],
  ["27b-it", { name: "gemma-2-27b-it", d_in: 4608 }],
  ["2b", { name: "gemma-2-2b", d_in: 2304 }],
  ["9b", { name: "gemma-2-9b", d_in: 3584 }],
  ["27b", { name: "gemma-2-27b", d_in: 4608 }],
];
const ATT_D_IN: Record<string, number> = { "2b": 2048, "9b": 4096, "27b": 4608 };

/** SAELens's get_gemma_2_config_from_hf. */
export function gemma2Config(
  repoId: string,
  path: string,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const d_sae = WIDTHS.find(([k]) => path.includes(k))?.[1] ?? null;
  const m = /layer_(\d+)/.exec(path);
  let layer = m ? Number(m[1]) : null;
  if (layer === null) {
    if (path.includes("embedding")) layer = 0;
    else throw new SaeConfigError(`${repoId}/${path}: gemma_2: no layer_N in the path and not an embedding SAE`);
  }
  const model = GEMMA_2_MODELS.find(([k]) => repoId.includes(k));
  if (!model)
    throw new SaeConfigError(
      `${repoId}: gemma_2: no Gemma 2 model size (${GEMMA_2_MODELS.map(([k]) => k).join(", ")}) in the repo id`,
    );
  let d_in = model[1].d_in;
  let hook: string;
  if (repoId.includes("res") && !path.includes("embedding")) hook = `blocks.${layer}.hook_resid_post`;
  else if (repoId.includes("res")) hook = "hook_embed";
  else if (repoId.includes("mlp")) hook = `blocks.${layer}.hook_mlp_out`;
  else if (repoId.includes("att")) {
    hook = `blocks.${layer}.attn.hook_z`;
    d_in = ATT_D_IN[model[0]] ?? d_in;
  } else throw new SaeConfigError(`${repoId}: gemma_2: the repo id names none of res, mlp, att (the hook)`);
  return {
    architecture: "jumprelu",
    d_in,
    d_sae,
    dtype: "float32",
    model_name: model[1].name,
    hook_name: hook,
    hook_head_index: null,
    activation_fn: "relu",
    finetuning_scaling_factor: false,
    sae_lens_training_version: null,
    prepend_bos: true,
    dataset_path: "monology/pile-uncopyrighted",
    context_size: 1024,
    dataset_trust_remote_code: true,
    apply_b_dec_to_input: false,
    normalize_activations: null,
    ...overrides,
  };
}

function scaled(t: HostTensor, f: (v: number) => number): HostTensor {
  return { shape: t.shape, data: t.data.map(f) };
}

export const gemma2: Converter = {
  files: (_repo, path) => ({ required: [`${path}/params.npz`], optional: [] }),
  async load({ repoId, path, overrides, read }) {
    const cfg = gemma2Config(repoId, path, overrides);
    const tensors: Record<string, HostTensor> = {};
    for (const [key, t] of readNpz(await read(`${path}/params.npz`)))
      tensors[key.startsWith("w_") ? `W_${key.slice(2)}` : key] = t;
    if (path.includes("embedding")) {
      const s = Math.fround(Math.sqrt(cfg.d_in as number));
      if (tensors.W_enc) tensors.W_enc = scaled(tensors.W_enc, (v) => v / s);
      if (tensors.W_dec) tensors.W_dec = scaled(tensors.W_dec, (v) => v * s);
    }
    return { cfg, tensors, sparsity: null };
  },
};
