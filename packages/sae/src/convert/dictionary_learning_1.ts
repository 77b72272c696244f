// SAEs trained with the dictionary_learning library (conversion "dictionary_learning_1", SAELens's
// dictionary_learning_sae_huggingface_loader_1; SAE Bench and andyrdt releases): `<path>/config.json` ({trainer:
// {dict_class, activation_dim, dict_size, layer, lm_name, k}, buffer: {ctx_len}}) and `<path>/ae.pt`, a torch
// state dict (encoder.weight [d_sae, d_in], decoder.weight [d_in, d_sae], b_dec / bias / decoder_bias, and for
// gated SAEs mag_bias, gate_bias, r_mag). AutoEncoderTopK becomes a TopK SAE, GatedAutoEncoder a gated one.
import { intField, need, objField, readJsonObject, readTorchHost, strField, transpose } from "./tensors.ts";
import type { Converter, HostTensor } from "./types.ts";

export const dictionaryLearning1: Converter = {
  files: (_repo, path) => ({ required: [`${path}/config.json`, `${path}/ae.pt`], optional: [] }),
  async load({ path, overrides, read }) {
    const src = await read(`${path}/config.json`);
    const file = src.name;
    const config = readJsonObject(src);
    const trainer = objField(config, "trainer", file);
    const buffer = objField(config, "buffer", file);
    const dictClass = strField(trainer, "dict_class", file);
    const topk = dictClass === "AutoEncoderTopK";
    const cfg = {
      architecture: dictClass === "GatedAutoEncoder" ? "gated" : "standard",
      d_in: intField(trainer, "activation_dim", file),
      d_sae: intField(trainer, "dict_size", file),
      dtype: "float32",
      model_name: strField(trainer, "lm_name", file).split("/").at(-1),
      hook_name: `blocks.${intField(trainer, "layer", file)}.hook_resid_post`,
      hook_head_index: null,
      activation_fn: topk ? "topk" : "relu",
      activation_fn_kwargs: topk ? { k: trainer.k } : {},
      apply_b_dec_to_input: true,
      finetuning_scaling_factor: false,
      sae_lens_training_version: null,
      prepend_bos: true,
      dataset_path: "monology/pile-uncopyrighted",
      context_size: buffer.ctx_len,
      normalize_activations: "none",
      neuronpedia_id: null,
      dataset_trust_remote_code: true,
      ...overrides,
    };
    const ptSrc = await read(`${path}/ae.pt`);
    const pt = ptSrc.name;
    const enc = readTorchHost(ptSrc);
    const tensors: Record<string, HostTensor> = {
      W_enc: transpose(need(enc, "encoder.weight", pt), `${pt}: encoder.weight`),
      W_dec: transpose(need(enc, "decoder.weight", pt), `${pt}: decoder.weight`),
    };
    const b_dec = enc.get("b_dec") ?? enc.get("bias") ?? enc.get("decoder_bias");
    if (b_dec) tensors.b_dec = b_dec;
    for (const [from, to] of [
      ["encoder.bias", "b_enc"],
      ["mag_bias", "b_mag"],
      ["gate_bias", "b_gate"],
      ["r_mag", "r_mag"],
    ]) {
      const t = enc.get(from);
      if (t) tensors[to] = t;
    }
    return { cfg, tensors, sparsity: null };
  },
};
