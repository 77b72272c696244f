// EleutherAI sparsify SAEs (conversion "sparsify", SAELens's sparsify_huggingface_loader / sparsify_disk_loader;
// no release in 6.18's registry uses it: reach it with `conversion: "sparsify"` on a Hugging Face repo):
// `<path>/cfg.json` (d_in, num_latents or expansion_factor, k, normalize_decoder) and `<path>/sae.safetensors`
// (encoder.weight or W_enc, W_dec, optional biases). A TopK SAE in bfloat16. As SAELens does, the model name comes
// from a config.json beside the SAE folder when one is in the local snapshot (else the parent folder's name), and
// the hook is blocks.N.hook_resid_post from `layers.N` (or hook_embed for embed_tokens). W_dec: sparsify stores it
// [num_latents, d_in] (nn.Parameter(encoder.weight.clone())), which SAELens 6.18 transposes to [d_in, d_sae] and
// so cannot load; here a [d_sae, d_in] W_dec is used as stored (also when square), and a [d_in, d_sae] one is
// transposed as SAELens does. Bytes in (the context's files); the folder reader loadSparsifyDir is sparsify_dir.ts.
import { CFG_FILE } from "../checkpoint_bytes.ts";
import { SaeConfigError } from "../errors.ts";
import { intField, need, readJsonObject, readSafetensorsHost, transpose } from "./tensors.ts";
import type { Converter, HostTensor, SourceFile } from "./types.ts";

export const SPARSIFY_WEIGHTS_FILE = "sae.safetensors";

/** What SAELens's sparsify loaders read: the SAE folder's two files and what its parent folder tells. */
export interface SparsifyFiles {
  cfg: SourceFile;
  weights: SourceFile;
  /** config.json beside the SAE folder when the local snapshot has one. */
  parentConfig: SourceFile | null;
  /** The SAE folder's name (layers.N or embed_tokens). */
  folder: string;
  /** The name of the folder holding the SAE folder (the snapshot's, for a folder at the repo root). */
  parentName: string;
}

/** SAELens's get_sparsify_config_from_disk. */
export function sparsifyConfig(f: SparsifyFiles, overrides: Record<string, unknown>): Record<string, unknown> {
  const file = f.cfg.name;
  const old = readJsonObject(f.cfg);
  const config = f.parentConfig ? readJsonObject(f.parentConfig) : {};
  const folder = f.folder;
  let hook: string;
  let layer: number;
  if (folder === "embed_tokens") [hook, layer] = ["hook_embed", 0];
  else {
    const m = /layers[._](\d+)/.exec(folder);
    if (!m)
      throw new SaeConfigError(`${file}: unrecognized sparsify folder '${folder}' (expected layers.N or embed_tokens)`);
    layer = Number(m[1]);
    hook = `blocks.${layer}.hook_resid_post`;
  }
  const d_in = intField(old, "d_in", file);
  const d_sae = old.num_latents ?? d_in * intField(old, "expansion_factor", file);
  return {
    architecture: "standard",
    d_in,
    d_sae,
    dtype: "bfloat16",
    model_name: config.model ?? f.parentName,
    hook_name: hook,
    hook_layer: layer,
    hook_head_index: null,
    activation_fn_str: "topk",
    activation_fn_kwargs: { k: old.k, signed: old.signed ?? false },
    apply_b_dec_to_input: !(old.normalize_decoder ?? false),
    dataset_path: config.dataset ?? "togethercomputer/RedPajama-Data-1T-Sample",
    context_size: config.ctx_len ?? 2048,
    finetuning_scaling_factor: false,
    sae_lens_training_version: null,
    prepend_bos: true,
    dataset_trust_remote_code: true,
    normalize_activations: "none",
    neuronpedia_id: null,
    ...overrides,
  };
}

function sparsifyDecoder(t: HostTensor, d_sae: number, file: string): HostTensor {
  return t.shape.length === 2 && t.shape[0] === d_sae ? t : transpose(t, `${file}: W_dec`);
}

/** SAELens's sparsify_disk_loader over the files of one SAE folder. */
export function sparsifyFromFiles(
  f: SparsifyFiles,
  overrides: Record<string, unknown>,
): { cfg: Record<string, unknown>; tensors: Record<string, HostTensor> } {
  const cfg = sparsifyConfig(f, overrides);
  const file = f.weights.name;
  const w = readSafetensorsHost(f.weights);
  const zeros = (n: number): HostTensor => ({ shape: [n], data: new Float32Array(n) });
  const tensors = {
    W_enc: w.get("W_enc") ?? transpose(need(w, "encoder.weight", file), `${file}: encoder.weight`),
    b_enc: w.get("b_enc") ?? w.get("encoder.bias") ?? zeros(cfg.d_sae as number),
    W_dec: sparsifyDecoder(w.get("W_dec") ?? need(w, "decoder.weight", file), cfg.d_sae as number, file),
    b_dec: w.get("b_dec") ?? w.get("decoder.bias") ?? zeros(cfg.d_in as number),
  };
  return { cfg, tensors };
}

export const sparsify: Converter = {
  files: (_repo, path) => ({ required: [`${path}/${CFG_FILE}`, `${path}/${SPARSIFY_WEIGHTS_FILE}`], optional: [] }),
  async load({ path, overrides, read, local, snapshotName }) {
    const cut = path.lastIndexOf("/");
    const parent = cut < 0 ? "" : path.slice(0, cut);
    const files: SparsifyFiles = {
      cfg: await read(`${path}/${CFG_FILE}`),
      weights: await read(`${path}/${SPARSIFY_WEIGHTS_FILE}`),
      parentConfig: await local(parent ? `${parent}/config.json` : "config.json"),
      folder: path.slice(cut + 1),
      parentName: parent ? parent.slice(parent.lastIndexOf("/") + 1) : await snapshotName(),
    };
    return { ...sparsifyFromFiles(files, overrides), sparsity: null };
  },
};
